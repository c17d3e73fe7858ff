package bert4j.processor.ops;

import bert4j.processor.plan.Buffer;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;
import java.util.Map;

/**
 * A kernel call of the forward pass, recorded on the tape. It knows the values it reads and writes,
 * what its backward needs kept ({@link #saved()}), and how to record its backward: {@link #backward}
 * reads the gradients of its outputs from {@link Gradients} and records backward ops that produce the
 * gradients of its inputs and accumulate those of its parameters.
 */
public interface ForwardOp extends KernelOp {
  /** The values this op reads that may carry a gradient. */
  List<Value> inputs();

  /** The values this op produces. */
  List<Value> outputs();

  /** The buffers its backward reads besides gradients: kept from the forward (or recomputed). */
  List<Buffer> saved();

  /**
   * Buffers this op writes only for its backward, each mapped to another of its outputs whose memory
   * it may share in a model created for inference (the kernel then keeps only that output). Empty for
   * most ops.
   */
  default Map<Buffer, Buffer> inferenceAliases() {
    return Map.of();
  }

  /** Whether the call runs in training mode only (dropout, losses). */
  default boolean trainingOnly() {
    return false;
  }

  /** Records the backward of this op; called only when one of its outputs has a gradient. */
  void backward(Gradients gradients);
}
