package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.Backend;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.KernelsProvider;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The CPU backend is found through ServiceLoader and by name. */
class CpuKernelsProviderTest {
  @Test
  void registeredAsTheAlwaysAvailableCpuBackend() {
    KernelsProvider cpu = ServiceLoader.load(KernelsProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.name().equals("cpu"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no provider named cpu"));
    assertInstanceOf(CpuKernelsProvider.class, cpu);
    assertEquals(0, cpu.priority());
    assertTrue(cpu.unavailableReason().isEmpty());
    try (Kernels kernels = cpu.create()) {
      assertTrue(kernels.name().matches("cpu \\(\\d+ threads, (oneDNN and )?OpenBLAS\\)"),
          kernels.name());
    }
  }

  @Test
  void backendCpuCreatesIt() {
    try (Kernels kernels = Backend.cpu()) {
      assertInstanceOf(CpuKernels.class, kernels);
      String products = OneDnn.get() == null ? "OpenBLAS" : "oneDNN and OpenBLAS";
      assertEquals("cpu (" + Runtime.getRuntime().availableProcessors() + " threads, " + products
          + ")", kernels.name());
    }
  }
}
