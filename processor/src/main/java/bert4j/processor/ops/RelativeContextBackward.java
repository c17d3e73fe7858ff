package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import java.util.List;

/** {@code Kernels.relativeContextBackward}: dProbs += the relative term's gradient. */
public record RelativeContextBackward(AttentionShape shape, Buffer dContext, int maxRelative,
    Buffer dProbs) implements KernelOp {
  @Override
  public String kernel() {
    return "relativeContextBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.Buf(dContext, Access.READ), new Arg.IntConst(maxRelative),
        new Arg.Buf(dProbs, Access.UPDATE));
  }
}
