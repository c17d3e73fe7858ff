package bert4j.examples.cli;

import bert4j.runtime.TransformerModel;
import bert4j.runtime.kernels.Kernels;

/** A "generated model" whose creation fails as a bug in bert4j would: for the internal-error status. */
public final class BrokenSpecImpl {
  private BrokenSpecImpl() {}

  /** Fails with a two-line message, which the command line must still print as one line. */
  public static TransformerModel create(Kernels kernels, int maxBatch, int maxLength) {
    throw new IllegalStateException("simulated bug\nsecond line");
  }
}
