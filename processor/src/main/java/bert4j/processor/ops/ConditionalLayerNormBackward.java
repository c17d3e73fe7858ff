package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import java.util.List;

/**
 * {@code Kernels.conditionalLayerNormBackward}: dH from dOut and the kept h, mean, 1/std and γ rows;
 * the per-sequence dγ and dβ.
 */
public record ConditionalLayerNormBackward(Buffer dOut, Buffer h, Buffer mean, Buffer rstd,
    Buffer gammas, Buffer dH, Buffer dGammas, Buffer dBetas, int width) implements KernelOp {
  @Override
  public String kernel() {
    return "conditionalLayerNormBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(dOut, Access.READ), new Arg.Buf(h, Access.READ),
        new Arg.Buf(mean, Access.READ), new Arg.Buf(rstd, Access.READ),
        new Arg.Buf(gammas, Access.READ),
        new Arg.Buf(dH, dH.equals(dOut) ? Access.UPDATE : Access.WRITE),
        new Arg.Buf(dGammas, Access.WRITE), new Arg.Buf(dBetas, Access.WRITE), new Arg.Batch(),
        new Arg.SeqLength(), new Arg.IntConst(width));
  }
}
