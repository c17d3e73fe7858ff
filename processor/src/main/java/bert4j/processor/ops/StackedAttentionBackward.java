package bert4j.processor.ops;

import bert4j.dsl.Mask;
import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import java.util.List;

/**
 * {@code Kernels.stackedAttentionBackward}: the gradient of the fused q·k·v product (overwritten
 * whole, laid out as qkv) from dContext and the kept probabilities.
 */
public record StackedAttentionBackward(AttentionShape shape, Mask mask, Buffer qkv, Buffer probs,
    Buffer dContext, Buffer dQkv, float dropout, int site) implements KernelOp {
  @Override
  public String kernel() {
    return "stackedAttentionBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.EnumConst(mask), new Arg.Host("tokenIds"),
        new Arg.Host("segmentIds"), new Arg.Buf(qkv, Access.READ), new Arg.Buf(probs, Access.READ),
        new Arg.Buf(dContext, Access.READ), new Arg.Buf(dQkv, Access.WRITE),
        new Arg.FloatConst(dropout), new Arg.Seed(site));
  }
}
