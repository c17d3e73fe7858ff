package bert4j.runtime.cpu;

import java.util.logging.Logger;

/**
 * Whether the linear layers can run in the precision asked for, and the one log line where they
 * cannot: bf16 and int8 need oneDNN loaded and a CPU it runs them fast on (AVX-512 BF16 or AMX for
 * bf16, VNNI or AMX for int8, by oneDNN's detected ISA).
 */
final class ReducedPrecision {
  private static final Logger LOG = Logger.getLogger(ReducedPrecision.class.getName());

  private ReducedPrecision() {}

  /** Why this process cannot run {@code precision}'s linear layers, or null where it can. */
  static String unavailableReason(Precision precision) {
    if (precision == Precision.FLOAT32) {
      return null;
    }
    OneDnn dnnl = OneDnn.get();
    return dnnl == null ? OneDnn.failure() : OneDnn.unsupportedReason(precision, dnnl.isa());
  }

  /** {@code requested}, or FLOAT32 (logged once here) where {@code unavailable} says why not. */
  static Precision effective(Precision requested, String unavailable) {
    if (requested == null) {
      throw new IllegalArgumentException("precision must not be null");
    }
    if (requested == Precision.FLOAT32 || unavailable == null) {
      return requested;
    }
    LOG.warning(() -> "bert4j: " + requested + " linear layers unavailable (" + unavailable
        + "); running them in float32");
    return Precision.FLOAT32;
  }
}
