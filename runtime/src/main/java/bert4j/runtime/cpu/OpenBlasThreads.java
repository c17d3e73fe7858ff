package bert4j.runtime.cpu;

import java.util.logging.Logger;

/**
 * Stops OpenBLAS's idle threads from spinning. After each call OpenBLAS's worker threads busy-wait
 * for new work for {@code 2^OPENBLAS_THREAD_TIMEOUT} cycles (2²⁸ by default, about 0.1 s), taking a
 * core from bert4j's own workers, which run the softmax, norms and epilogues between the GEMMs (and
 * from anything else in the process). With the timeout at its minimum, 2⁴ cycles, they sleep at once;
 * waking them for the next GEMM costs less than the spinning did: BERT-base's forward against ONNX
 * Runtime in one process went from 1.77/1.22/1.29 to 1.69/1.11/1.18 of ORT's time at 1 × 128,
 * 8 × 128 and 1 × 512 (AMD EPYC, 2 cores, 2026-12-01). Set while {@code OPENBLAS_THREAD_TIMEOUT} is
 * unset, before OpenBLAS loads; a user's value stands.
 */
final class OpenBlasThreads {
  static final String VARIABLE = "OPENBLAS_THREAD_TIMEOUT";
  /** OpenBLAS's smallest accepted exponent. */
  static final String SHORTEST = "4";
  private static final Logger LOG = Logger.getLogger(OpenBlasThreads.class.getName());

  private OpenBlasThreads() {}

  /** Sets the shortest idle spin where the process has not chosen one; call before OpenBLAS loads. */
  static void apply() {
    if (System.getenv(VARIABLE) == null) {
      ProcessEnvironment.setIfUnset(VARIABLE, SHORTEST);
      LOG.fine(() -> "bert4j: " + VARIABLE + "=" + SHORTEST + " (OpenBLAS's threads sleep right "
          + "after each call instead of spinning against bert4j's)");
    }
  }
}
