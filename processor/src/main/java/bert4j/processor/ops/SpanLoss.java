package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.spanLoss} (training only): the multilabel categorical cross-entropy of the span
 * scores {@code [batch, types, seq, seq]} against loss {@code loss}'s target spans, summed over the
 * (sequence, type) rows, writing dScores scaled by the loss's scale.
 */
public record SpanLoss(Value scores, int loss, int types, Value dScores) implements LossOp {
  @Override
  public String kernel() {
    return "spanLoss";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(scores.buffer(), Access.READ), new Arg.Targets(loss),
        new Arg.Batch(), new Arg.SeqLength(), new Arg.IntConst(types),
        new Arg.Buf(dScores.buffer(), Access.WRITE), new Arg.LossScale(loss));
  }

  @Override
  public List<Value> inputs() {
    return List.of(scores);
  }

  @Override
  public List<Value> outputs() {
    return List.of(dScores);
  }

  @Override
  public List<Buffer> saved() {
    return List.of();
  }

  @Override
  public void backward(Gradients gradients) {
    gradients.seed(scores, dScores.buffer());
  }
}
