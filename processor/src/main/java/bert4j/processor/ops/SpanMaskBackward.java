package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import java.util.List;

/**
 * {@code Kernels.spanMaskBackward}: dLogits (overwritten, 0 at the masked cells; in place when it is
 * dScores) and, with {@code dBias} (overwritten; null without EfficientGlobalPointer's bias), half
 * the row and column sums.
 */
public record SpanMaskBackward(Buffer dScores, Buffer dLogits, Buffer dBias, int types,
    boolean tril) implements KernelOp {
  @Override
  public String kernel() {
    return "spanMaskBackward";
  }

  @Override
  public List<Arg> args() {
    boolean inPlace = dScores.equals(dLogits);
    return List.of(new Arg.Buf(dScores, inPlace ? Access.UPDATE : Access.READ),
        new Arg.Buf(dLogits, inPlace ? Access.UPDATE : Access.WRITE),
        dBias == null ? new Arg.None() : new Arg.Buf(dBias, Access.WRITE),
        new Arg.Host("tokenIds"), new Arg.Batch(), new Arg.SeqLength(), new Arg.IntConst(types),
        new Arg.BoolConst(tril));
  }
}
