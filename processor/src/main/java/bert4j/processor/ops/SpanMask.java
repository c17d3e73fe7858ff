package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code Kernels.spanMask}: the span scores {@code [batch, types, seq, seq]} from GlobalPointer's
 * logits (one grid per type; {@code scores} is their next value, written in place) or from
 * EfficientGlobalPointer's shared grid plus its start/end terms {@code bias} ({@code [tokens,
 * 2·types]}; {@code scores} a buffer of its own), padding and (with {@code tril}) the lower triangle
 * masked. Backward: {@code spanMaskBackward} into dLogits (in place where the gradient allows) and
 * dBias.
 */
public record SpanMask(Value logits, Value bias, Value scores, int types, boolean tril)
    implements ForwardOp {
  @Override
  public String kernel() {
    return "spanMask";
  }

  @Override
  public List<Arg> args() {
    boolean inPlace = logits.buffer().equals(scores.buffer());
    return List.of(new Arg.Buf(logits.buffer(), inPlace ? Access.UPDATE : Access.READ),
        bias == null ? new Arg.None() : new Arg.Buf(bias.buffer(), Access.READ),
        new Arg.Buf(scores.buffer(), inPlace ? Access.UPDATE : Access.WRITE),
        new Arg.Host("tokenIds"), new Arg.Batch(), new Arg.SeqLength(), new Arg.IntConst(types),
        new Arg.BoolConst(tril));
  }

  @Override
  public List<Value> inputs() {
    List<Value> inputs = new ArrayList<>(List.of(logits));
    if (bias != null) {
      inputs.add(bias);
    }
    return inputs;
  }

  @Override
  public List<Value> outputs() {
    return List.of(scores);
  }

  @Override
  public List<Buffer> saved() {
    return List.of();
  }

  @Override
  public void backward(Gradients gradients) {
    Buffer dScores = gradients.of(scores);
    Buffer dLogits = bias == null ? gradients.inPlace(scores, logits) : gradients.fresh(logits);
    Buffer dBias = bias == null ? null : gradients.fresh(bias);
    gradients.record(new SpanMaskBackward(dScores, dLogits, dBias, types, tril));
  }
}
