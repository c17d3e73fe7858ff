package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Parameter;
import java.util.List;

/** {@code Kernels.relativePositionBiasBackward}: the table's gradient += each bucket's dScores. */
public record RelativePositionBiasBackward(AttentionShape shape, Buffer dScores, int buckets,
    int maxDistance, boolean bidirectional, Parameter table) implements KernelOp {
  @Override
  public String kernel() {
    return "relativePositionBiasBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.Buf(dScores, Access.READ), new Arg.IntConst(buckets),
        new Arg.IntConst(maxDistance), new Arg.BoolConst(bidirectional), new Arg.Grad(table));
  }
}
