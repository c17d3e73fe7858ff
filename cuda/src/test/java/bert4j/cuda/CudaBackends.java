package bert4j.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bert4j.runtime.kernels.Kernels;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The CUDA backends the tests run on: the GPU, when this machine has one, and the CPU emulator of
 * the kernels, when Maven built it. Where one cannot run, its tests are skipped through a JUnit
 * assumption, and the reason is printed once.
 */
final class CudaBackends {
  private static final Set<String> printed = new HashSet<>();

  private CudaBackends() {}

  /** CudaKernels on GPU 0, or the tests skip with the provider's reason ("no libcuda.so.1 ..."). */
  static Kernels gpu(boolean tf32) {
    skipUnless("GPU", new CudaKernelsProvider().unavailableReason());
    return new CudaKernels(JCudaDevice.open(0), tf32);
  }

  /** CudaKernels on the CPU emulator, or the tests skip with the reason it is not there. */
  static Kernels emulated(boolean tf32) {
    skipUnless("emulated", EmulatedDevice.unavailableReason());
    return new CudaKernels(EmulatedDevice.open(), tf32);
  }

  private static void skipUnless(String kind, Optional<String> reason) {
    if (reason.isPresent()) {
      synchronized (printed) {
        if (printed.add(kind)) {
          System.out.println("[bert4j-cuda] skipping the " + kind + " CUDA kernel tests: "
              + reason.get());
        }
      }
    }
    assumeTrue(reason.isEmpty(), () -> "no " + kind + " CUDA backend here: " + reason.get());
  }
}
