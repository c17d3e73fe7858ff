package bert4j.processor.ops;

import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import java.util.List;

/** {@code Kernels.rotary} with {@code inverse}: the rotary backward, turning the gradient back. */
public record RotaryBackward(Buffer dx, int heads, int size) implements KernelOp {
  @Override
  public String kernel() {
    return "rotary";
  }

  @Override
  public List<Arg> args() {
    return Rotary.args(dx, true, heads, size);
  }
}
