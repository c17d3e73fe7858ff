package bert4j.cuda;

import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.contract.ArgumentChecksContract;
import bert4j.runtime.kernels.contract.AttentionContract;
import bert4j.runtime.kernels.contract.CrossEntropyContract;
import bert4j.runtime.kernels.contract.DropoutContract;
import bert4j.runtime.kernels.contract.EmbeddingContract;
import bert4j.runtime.kernels.contract.HostCopyContract;
import bert4j.runtime.kernels.contract.LayerNormContract;
import bert4j.runtime.kernels.contract.LinearContract;
import bert4j.runtime.kernels.contract.MemoryContract;
import org.junit.jupiter.api.Nested;

/**
 * On the GPU: the runtime's kernel contract (bert4j.runtime.kernels.contract), large shapes against
 * double references, the CUDA-only checks, and a generated tiny BERT against the CPU backend, in
 * float32 and TF32. Skipped, with the reason printed, where there is no usable GPU.
 */
class CudaKernelsContractTest {
  static Kernels cuda() {
    return CudaBackends.gpu(false);
  }

  static Kernels tf32() {
    return CudaBackends.gpu(true);
  }

  @Nested
  class Attention extends AttentionContract {
    @Override
    protected Kernels createKernels() {
      return cuda();
    }
  }

  @Nested
  class Linear extends LinearContract {
    @Override
    protected Kernels createKernels() {
      return cuda();
    }
  }

  @Nested
  class LayerNorm extends LayerNormContract {
    @Override
    protected Kernels createKernels() {
      return cuda();
    }
  }

  @Nested
  class Embedding extends EmbeddingContract {
    @Override
    protected Kernels createKernels() {
      return cuda();
    }
  }

  @Nested
  class CrossEntropy extends CrossEntropyContract {
    @Override
    protected Kernels createKernels() {
      return cuda();
    }
  }

  @Nested
  class Dropout extends DropoutContract {
    @Override
    protected Kernels createKernels() {
      return cuda();
    }
  }

  @Nested
  class HostCopy extends HostCopyContract {
    @Override
    protected Kernels createKernels() {
      return cuda();
    }
  }

  @Nested
  class Memory extends MemoryContract {
    @Override
    protected Kernels createKernels() {
      return cuda();
    }
  }

  @Nested
  class ArgumentChecks extends ArgumentChecksContract {
    @Override
    protected Kernels createKernels() {
      return cuda();
    }
  }

  @Nested
  class Checks extends CudaChecksContract {
    @Override
    protected Kernels createKernels() {
      return cuda();
    }
  }

  @Nested
  class LargeShapes extends LargeShapesContract {
    @Override
    protected Kernels createKernels() {
      return cuda();
    }
  }

  @Nested
  class TinyBertAgreement extends TinyBertAgreementContract {
    @Override
    protected Kernels createKernels() {
      return cuda();
    }
  }

  @Nested
  class LargeShapesTf32 extends LargeShapesContract {
    @Override
    protected Kernels createKernels() {
      return tf32();
    }

    @Override
    protected double tolerance() {
      return 2e-3;
    }
  }

  @Nested
  class TinyBertAgreementTf32 extends TinyBertAgreementContract {
    @Override
    protected Kernels createKernels() {
      return tf32();
    }

    @Override
    protected double tolerance() {
      return 2e-3;
    }
  }
}
