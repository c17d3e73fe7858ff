package bert4j.cuda;

import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.contract.AddContract;
import bert4j.runtime.kernels.contract.DecoderAttentionContract;
import bert4j.runtime.kernels.contract.ElementwiseContract;
import bert4j.runtime.kernels.contract.RelativePositionBiasContract;
import bert4j.runtime.kernels.contract.ArgumentChecksContract;
import bert4j.runtime.kernels.contract.AttentionContract;
import bert4j.runtime.kernels.contract.AttentionNormalizationContract;
import bert4j.runtime.kernels.contract.ConditionalLayerNormContract;
import bert4j.runtime.kernels.contract.CrossEntropyContract;
import bert4j.runtime.kernels.contract.DecodingContract;
import bert4j.runtime.kernels.contract.DropoutContract;
import bert4j.runtime.kernels.contract.EmbeddingContract;
import bert4j.runtime.kernels.contract.HierarchicalPositionsContract;
import bert4j.runtime.kernels.contract.HostCopyContract;
import bert4j.runtime.kernels.contract.LayerNormContract;
import bert4j.runtime.kernels.contract.LinearContract;
import bert4j.runtime.kernels.contract.MemoryContract;
import bert4j.runtime.kernels.contract.NonFiniteContract;
import bert4j.runtime.kernels.contract.RelativePositionContract;
import bert4j.runtime.kernels.contract.RmsNormContract;
import bert4j.runtime.kernels.contract.RotaryContract;
import bert4j.runtime.kernels.contract.SigmoidCrossEntropyContract;
import bert4j.runtime.kernels.contract.SpanContract;
import bert4j.runtime.kernels.contract.TagPathLossContract;
import bert4j.runtime.kernels.contract.TalkingHeadsContract;
import bert4j.runtime.kernels.contract.UnfusedAttentionContract;
import org.junit.jupiter.api.Nested;

/**
 * The CUDA backend's test suite, run once per device kind: the runtime's kernel contract
 * (bert4j.runtime.kernels.contract), large shapes against double references in float32 and TF32, the
 * CUDA-only checks, and the optimizer step (every method and extension) and a generated tiny BERT
 * against the CPU backend. Subclasses say which device.
 */
abstract class CudaContractSuite {
  /** The backend under test, with TF32 matrix products or not. */
  abstract Kernels backend(boolean tf32);

  /** The relative error the optimizer step may show against the CPU backend's. */
  abstract double optimizerTolerance();

  @Nested
  class Attention extends AttentionContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class Span extends SpanContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class UnfusedAttention extends UnfusedAttentionContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class AttentionNormalization extends AttentionNormalizationContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class RelativePosition extends RelativePositionContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class TalkingHeads extends TalkingHeadsContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class Linear extends LinearContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class LayerNorm extends LayerNormContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class ConditionalLayerNorm extends ConditionalLayerNormContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class RmsNorm extends RmsNormContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class DecoderAttention extends DecoderAttentionContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class Elementwise extends ElementwiseContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class RelativePositionBias extends RelativePositionBiasContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class Add extends AddContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class Decoding extends DecodingContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class Rotary extends RotaryContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class Embedding extends EmbeddingContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class HierarchicalPositions extends HierarchicalPositionsContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class CrossEntropy extends CrossEntropyContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class SigmoidCrossEntropy extends SigmoidCrossEntropyContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class TagPathLoss extends TagPathLossContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class Dropout extends DropoutContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class HostCopy extends HostCopyContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class Memory extends MemoryContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class NonFinite extends NonFiniteContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class ArgumentChecks extends ArgumentChecksContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class Checks extends CudaChecksContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class LargeShapes extends LargeShapesContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class OptimizerAgreement extends OptimizerAgreementContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }

    @Override
    protected double tolerance() {
      return optimizerTolerance();
    }
  }

  @Nested
  class TinyBertAgreement extends TinyBertAgreementContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class TinyBertDecoding extends TinyBertDecodingContract {
    @Override
    protected Kernels createKernels() {
      return backend(false);
    }
  }

  @Nested
  class LargeShapesTf32 extends LargeShapesContract {
    @Override
    protected Kernels createKernels() {
      return backend(true);
    }

    @Override
    protected double tolerance() {
      return 2e-3;
    }
  }
}
