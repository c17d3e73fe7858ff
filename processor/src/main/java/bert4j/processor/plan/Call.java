package bert4j.processor.plan;

import bert4j.processor.ops.KernelOp;
import java.util.List;

/**
 * One line of the generated forward or backward pass: a typed kernel op, the comment a reader sees
 * above it, the layer it belongs to ({@link Buffer#GLOBAL} for none), whether it runs in training mode
 * only, and the index of the loss it returns (−1 for none).
 */
public record Call(KernelOp op, String comment, int layer, boolean trainingOnly, int loss) {
  /** The {@code Kernels} method. */
  public String kernel() {
    return op.kernel();
  }

  /** The arguments, in the method's order. */
  public List<Arg> args() {
    return op.args();
  }

  /** The buffers this call touches. */
  public List<Buffer> buffers() {
    return args().stream().filter(a -> a instanceof Arg.Buf).map(a -> ((Arg.Buf) a).buffer()).toList();
  }
}
