package bert4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bert4j.runtime.kernels.KernelsProvider;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The CUDA backend is registered, ranks above the CPU, and answers whether it can run here without
 * throwing: on a machine without a GPU its reason names what is missing.
 */
class CudaKernelsProviderTest {
  @Test
  void registeredThroughServiceLoaderAboveTheCpu() {
    KernelsProvider cuda = ServiceLoader.load(KernelsProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.name().equals("cuda"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no provider named cuda"));
    assertTrue(cuda instanceof CudaKernelsProvider);
    assertEquals(10, cuda.priority());
  }

  @Test
  void unavailableReasonNeverThrowsAndNamesTheCause() {
    Optional<String> reason = new CudaKernelsProvider().unavailableReason();
    System.out.println("[bert4j-cuda] CUDA backend here: "
        + reason.map(r -> "not usable, " + r).orElse("usable"));
    reason.ifPresent(r -> assertTrue(r.startsWith("no libcuda.so.1 (") || r.equals("no CUDA device")
        || r.startsWith("no kernels: ") || r.startsWith("the "), r));
    assertEquals(reason, new CudaKernelsProvider().unavailableReason(), "asked once per JVM");
  }

  @Test
  void eachGpuGenerationGetsTheBestImage() {
    assumeTrue(KernelImage.bundled(), "the jar was built without nvcc, so it holds no kernels");
    assertEquals("sm_90 cubin", KernelImage.candidates(9, 0).get(0).describe());
    assertEquals("sm_90 PTX", KernelImage.candidates(9, 0).get(1).describe());
    assertEquals("sm_80 cubin", KernelImage.candidates(8, 9).get(0).describe());
    assertEquals("sm_80 PTX", KernelImage.candidates(8, 6).get(1).describe());
    assertEquals(List.of("sm_90 PTX"),
        KernelImage.candidates(10, 0).stream().map(KernelImage::describe).toList());
    assertTrue(KernelImage.candidates(7, 5).isEmpty(), "nothing runs on sm_75");
  }
}
