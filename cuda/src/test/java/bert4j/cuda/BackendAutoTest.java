package bert4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bert4j.runtime.Backend;
import bert4j.runtime.cpu.CpuKernels;
import bert4j.runtime.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * With the cuda module on the classpath, {@link Backend#auto()} takes the GPU when it is usable and
 * otherwise the CPU, and says so in one log line that, when it passes cuda over, gives the reason.
 */
class BackendAutoTest {
  @Test
  void autoPicksTheGpuOrSaysWhyNot() {
    Logger logger = Logger.getLogger(Backend.class.getName());
    List<String> lines = new ArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        lines.add(record.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    logger.addHandler(capture);
    Optional<String> reason = new CudaKernelsProvider().unavailableReason();
    try (Kernels kernels = auto(reason)) {
      System.out.println("[bert4j-cuda] Backend.auto() logged: " + lines);
      assertEquals(1, lines.size(), "one log line: " + lines);
      String line = lines.get(0);
      if (reason.isPresent()) {
        assertTrue(kernels instanceof CpuKernels, kernels.name());
        assertTrue(line.startsWith("bert4j backend: cpu"), line);
        assertTrue(line.contains("cuda not usable: " + reason.get()), line);
      } else {
        assertTrue(kernels instanceof CudaKernels, kernels.name());
        assertEquals("bert4j backend: " + kernels.name(), line);
      }
    } finally {
      logger.removeHandler(capture);
    }
  }

  /** Backend.auto(); skips the test where neither backend can run (a GPU bundle on a CPU). */
  private static Kernels auto(Optional<String> cudaReason) {
    try {
      return Backend.auto();
    } catch (LinkageError e) {
      assumeTrue(false, "no GPU (" + cudaReason.orElse("?") + ") and no CPU backend (" + e + ")");
      throw e;
    }
  }
}
