package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import java.util.List;

/** {@code Kernels.attentionContextBackward}: dProbs and dv from dCtx and the kept probs and v. */
public record AttentionContextBackward(AttentionShape shape, Buffer probs, Buffer v, Buffer dContext,
    Buffer dProbs, Buffer dv) implements KernelOp {
  @Override
  public String kernel() {
    return "attentionContextBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.Buf(probs, Access.READ), new Arg.Buf(v, Access.READ),
        new Arg.Buf(dContext, Access.READ), new Arg.Buf(dProbs, Access.WRITE),
        new Arg.Buf(dv, Access.WRITE));
  }
}
