package bert4j.runtime.cpu;

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

/** The kernel contract (bert4j.runtime.kernels.contract) on the CPU backend, two threads. */
class CpuKernelsContractTest {
  static Kernels cpu() {
    return new CpuKernels(2);
  }

  @Nested
  class Attention extends AttentionContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class Span extends SpanContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class UnfusedAttention extends UnfusedAttentionContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class AttentionNormalization extends AttentionNormalizationContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class RelativePosition extends RelativePositionContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class TalkingHeads extends TalkingHeadsContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class Linear extends LinearContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class LayerNorm extends LayerNormContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class ConditionalLayerNorm extends ConditionalLayerNormContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class RmsNorm extends RmsNormContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class DecoderAttention extends DecoderAttentionContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class Elementwise extends ElementwiseContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class RelativePositionBias extends RelativePositionBiasContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class Add extends AddContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class Decoding extends DecodingContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class Rotary extends RotaryContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class Embedding extends EmbeddingContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class HierarchicalPositions extends HierarchicalPositionsContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class CrossEntropy extends CrossEntropyContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class SigmoidCrossEntropy extends SigmoidCrossEntropyContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class TagPathLoss extends TagPathLossContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class Dropout extends DropoutContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class HostCopy extends HostCopyContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class Memory extends MemoryContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class NonFinite extends NonFiniteContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }

  @Nested
  class ArgumentChecks extends ArgumentChecksContract {
    @Override
    protected Kernels createKernels() {
      return cpu();
    }
  }
}
