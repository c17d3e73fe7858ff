package bert4j.processor.ops;

import bert4j.processor.plan.Buffer;
import bert4j.processor.tape.Gradients;
import java.util.List;

/**
 * A forward op of the incremental decoding tape only: it runs at inference, keeps nothing and has no
 * backward (the decoding tape is never differentiated).
 */
interface DecodeOnly extends ForwardOp {
  @Override
  default List<Buffer> saved() {
    return List.of();
  }

  @Override
  default void backward(Gradients gradients) {
    throw new IllegalStateException(kernel() + " belongs to the decoding pass, which has no backward");
  }
}
