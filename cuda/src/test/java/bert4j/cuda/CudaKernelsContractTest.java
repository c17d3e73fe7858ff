package bert4j.cuda;

import bert4j.runtime.kernels.Kernels;
import org.junit.jupiter.api.Nested;

/**
 * {@link CudaContractSuite} on the GPU, plus the tiny BERT in TF32. Skipped, with the reason
 * printed, where there is no usable GPU.
 */
class CudaKernelsContractTest extends CudaContractSuite {
  @Override
  Kernels backend(boolean tf32) {
    return CudaBackends.gpu(tf32);
  }

  /** nvcc contracts multiply-adds into FMAs, which round once where the CPU rounds twice. */
  @Override
  double optimizerTolerance() {
    return 1e-6;
  }

  @Nested
  class TinyBertAgreementTf32 extends TinyBertAgreementContract {
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
