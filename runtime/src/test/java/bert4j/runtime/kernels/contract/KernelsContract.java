package bert4j.runtime.kernels.contract;

import bert4j.runtime.kernels.Kernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.opentest4j.TestAbortedException;

/**
 * The base of the kernel contract tests: what every {@link Kernels} backend must compute, checked
 * against naive double references and finite differences. Each part of the contract is an abstract
 * subclass ({@link AttentionContract}, {@link LinearContract}, ...); a backend runs them all by
 * extending each with its {@link #createKernels()} (see {@code CpuKernelsContractTest} and the cuda
 * module's tests). The runtime's test jar ships these classes to other modules.
 *
 * <p>A backend that cannot run here (no GPU) aborts {@code createKernels} with a JUnit assumption;
 * every test of the part is then reported as skipped with that reason, and {@link #kernels} stays
 * null, which a subclass's own {@code @BeforeAll} must allow for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class KernelsContract {
  /** The backend under test, created once per contract part; null when it cannot run here. */
  protected Kernels kernels;
  private TestAbortedException unavailable;

  /** A new backend to test; may abort with an assumption when it cannot run here. */
  protected abstract Kernels createKernels();

  @BeforeAll
  void start() {
    try {
      kernels = createKernels();
    } catch (TestAbortedException e) {
      unavailable = e;
    }
  }

  @BeforeEach
  void skipWithoutBackend() {
    if (unavailable != null) {
      throw unavailable;
    }
  }

  @AfterAll
  void stop() {
    if (kernels != null) {
      kernels.close();
    }
  }
}
