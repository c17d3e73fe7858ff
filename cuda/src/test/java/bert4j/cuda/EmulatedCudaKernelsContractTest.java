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
 * The same tests as CudaKernelsContractTest on the CUDA kernels compiled for the CPU emulator
 * (EmulatedDevice): the kernels' logic and the backend's launches, checked on machines without a
 * GPU; skipped, with the reason printed, where the emulator was not built (no g++). The tiny
 * BERT runs in float32 only: emulating the tensor cores is slow, and LargeShapesTf32 covers them.
 */
class EmulatedCudaKernelsContractTest {
  static Kernels cuda() {
    return CudaBackends.emulated(false);
  }

  static Kernels tf32() {
    return CudaBackends.emulated(true);
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
}
