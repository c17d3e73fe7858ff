package bert4j.runtime.cpu;

import java.util.Set;
import java.util.logging.Logger;

/**
 * Chooses OpenBLAS's kernels before the library loads. OpenBLAS's run-time CPU detection does not recognise
 * AMD's AVX-512 cores (0.3.19 predates Zen 4; 0.3.31 still misses the Zen 5, family 26, measured
 * here) and falls back to its Haswell (AVX2) kernels, which reach about 0.55–0.6 of its SkylakeX (AVX-512)
 * kernels' sgemm rate on BERT's shapes (141 against 250 GFLOP/s at 128 × 768 × 768 on 2 cores of an
 * AMD EPYC, family 26, 2026-11-30). On an AMD CPU with the AVX-512 subsets the SkylakeX kernels use,
 * and only while {@code OPENBLAS_CORETYPE} is unset (a user's choice stands), bert4j sets it to
 * {@code SKYLAKEX} in the process environment (libc's {@code setenv}, through JNA) before OpenBLAS
 * reads it at load, and logs one line saying so. Intel CPUs are left to OpenBLAS, which knows them.
 * bert4j calls only sgemm; on that CPU 0.3.19's SkylakeX sgemm matched a double-precision reference
 * on 600 random shapes (1 to 768, every transpose, α and β). Machines that pin the variable (some
 * images set {@code OPENBLAS_CORETYPE=Haswell} for older OpenBLAS builds) keep their setting.
 */
final class OpenBlasCore {
  static final String VARIABLE = "OPENBLAS_CORETYPE";
  static final String SKYLAKEX = "SKYLAKEX";
  private static final Set<String> SKYLAKEX_FLAGS =
      Set.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");
  private static final Logger LOG = Logger.getLogger(OpenBlasCore.class.getName());

  private OpenBlasCore() {}

  /** Sets {@code OPENBLAS_CORETYPE} where {@link #choose} says so; call before OpenBLAS loads. */
  static void apply() {
    CpuInfo cpu = CpuInfo.read();
    String core = choose(System.getenv(VARIABLE), cpu.vendor(), cpu.flags());
    if (core != null) {
      ProcessEnvironment.setIfUnset(VARIABLE, core);
      LOG.info(() -> "bert4j: OpenBLAS does not recognise this AMD CPU's AVX-512 and would use its "
          + "AVX2 (Haswell) kernels; set " + VARIABLE + "=" + core + " (set it yourself to choose)");
    }
  }

  /**
   * The core type to set, or null to leave OpenBLAS's detection alone: SKYLAKEX on an AMD CPU with
   * avx512f/cd/bw/dq/vl while the variable is unset.
   */
  static String choose(String current, String vendor, Set<String> flags) {
    boolean unset = current == null || current.isEmpty();
    return unset && "AuthenticAMD".equals(vendor) && flags.containsAll(SKYLAKEX_FLAGS)
        ? SKYLAKEX : null;
  }
}
