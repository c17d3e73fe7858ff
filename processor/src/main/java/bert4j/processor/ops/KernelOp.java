package bert4j.processor.ops;

import bert4j.processor.plan.Arg;
import java.util.List;

/**
 * One call of a {@code bert4j.runtime.kernels.Kernels} method, typed: each implementation is a record
 * whose fields are the call's arguments, and {@link #args()} lists them in the method's order. The
 * records and the interface are checked against each other by a processor test, so a misnamed kernel
 * or a wrong argument fails the processor's build, not a user's generated class.
 */
public interface KernelOp {
  /** The {@code Kernels} method this op calls. */
  String kernel();

  /** The arguments, in the order of the {@code Kernels} method's parameters. */
  List<Arg> args();

  /** Forward FLOPs per token of this call (backward ops report none: the report counts the forward). */
  default Flops flops() {
    return Flops.NONE;
  }
}
