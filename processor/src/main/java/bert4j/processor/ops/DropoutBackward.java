package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import java.util.List;

/** {@code Kernels.dropoutBackward}: dx = dOut ⊙ the forward's mask / (1 − p); dx may be dOut. */
public record DropoutBackward(Buffer dOut, Buffer dx, float p, int site) implements KernelOp {
  @Override
  public String kernel() {
    return "dropoutBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(dOut, Access.READ),
        new Arg.Buf(dx, dx.equals(dOut) ? Access.UPDATE : Access.WRITE),
        new Arg.Dim(dOut.extent(), dOut.width()), new Arg.FloatConst(p), new Arg.Seed(site));
  }
}
