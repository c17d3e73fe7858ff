package bert4j.cuda;

import bert4j.runtime.kernels.Kernels;

/**
 * {@link CudaContractSuite} on the CUDA kernels compiled for the CPU emulator (EmulatedDevice): the
 * kernels' logic and the backend's launches, checked on machines without a GPU; skipped, with the
 * reason printed, where the emulator was not built (no g++). The tiny BERT runs in float32 only:
 * emulating the tensor cores is slow, and LargeShapesTf32 covers them.
 */
class EmulatedCudaKernelsContractTest extends CudaContractSuite {
  @Override
  Kernels backend(boolean tf32) {
    return CudaBackends.emulated(tf32);
  }

  /** 0: built without FMA contraction (build-emulator.sh), the kernels compute as the CPU does. */
  @Override
  double optimizerTolerance() {
    return 0;
  }
}
