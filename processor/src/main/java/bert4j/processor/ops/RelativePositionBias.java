package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.relativePositionBias}: T5's bucketed relative position bias from {@code table}
 * ({@code [buckets, heads]}) added to the scores in place ({@code out} is the scores' next value).
 * Backward: the scores' gradient passes through; the table's gradient gains each bucket's sum.
 */
public record RelativePositionBias(AttentionShape shape, Parameter table, int buckets,
    int maxDistance, boolean bidirectional, Value scores, Value out) implements ForwardOp {
  @Override
  public String kernel() {
    return "relativePositionBias";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.Param(table), new Arg.IntConst(buckets),
        new Arg.IntConst(maxDistance), new Arg.BoolConst(bidirectional),
        new Arg.Buf(scores.buffer(), Access.UPDATE));
  }

  @Override
  public List<Value> inputs() {
    return List.of(scores);
  }

  @Override
  public List<Value> outputs() {
    return List.of(out);
  }

  @Override
  public List<Buffer> saved() {
    return List.of();
  }

  @Override
  public void backward(Gradients gradients) {
    Buffer dScores = gradients.of(out);
    gradients.share(out, scores);
    gradients.record(new RelativePositionBiasBackward(shape, dScores, buckets, maxDistance,
        bidirectional, table));
  }
}
