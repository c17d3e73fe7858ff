package bert4j.processor.ops;

import bert4j.dsl.Mask;
import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import java.util.List;

/** {@code Kernels.attentionBackward}: dq, dk, dv (overwritten) from dContext and the kept probabilities. */
public record AttentionBackward(AttentionShape shape, Mask mask, Buffer q, Buffer k, Buffer v,
    Buffer probs, Buffer dContext, Buffer dq, Buffer dk, Buffer dv, float dropout, int site)
    implements KernelOp {
  @Override
  public String kernel() {
    return "attentionBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.EnumConst(mask), new Arg.Host("tokenIds"),
        new Arg.Host("segmentIds"), new Arg.Buf(q, Access.READ), new Arg.Buf(k, Access.READ),
        new Arg.Buf(v, Access.READ), new Arg.Buf(probs, Access.READ),
        new Arg.Buf(dContext, Access.READ), new Arg.Buf(dq, Access.WRITE),
        new Arg.Buf(dk, Access.WRITE), new Arg.Buf(dv, Access.WRITE), new Arg.FloatConst(dropout),
        new Arg.Seed(site));
  }
}
