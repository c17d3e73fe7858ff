package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import java.util.List;

/** {@code Kernels.relativeScoresBackward}: dq += the relative term's gradient. */
public record RelativeScoresBackward(AttentionShape shape, Buffer dScores, int maxRelative,
    Buffer dq) implements KernelOp {
  @Override
  public String kernel() {
    return "relativeScoresBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.Buf(dScores, Access.READ), new Arg.IntConst(maxRelative),
        new Arg.Buf(dq, Access.UPDATE));
  }
}
