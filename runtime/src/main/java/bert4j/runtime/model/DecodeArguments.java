package bert4j.runtime.model;

/**
 * The argument checks that incremental decoding's calls share ({@link GeneratedLm} and
 * {@link GeneratedSeq2Seq}): a token inside the vocabulary, and a beam reordering that names only
 * current sequences.
 */
final class DecodeArguments {
  private DecodeArguments() {}

  /** Checks that {@code token} (described by {@code what}) is in [0, vocab). */
  static void token(String what, int token, int vocab) {
    if (token < 0 || token >= vocab) {
      throw new IllegalArgumentException(what + " = " + token + " is outside the vocabulary [0, "
          + vocab + ")");
    }
  }

  /** Checks {@code reorder}'s parents: 1 to maxBatch entries, each one of the batch's sequences. */
  static void parents(int[] parents, int batch, int maxBatch) {
    if (parents == null || parents.length < 1 || parents.length > maxBatch) {
      throw new IllegalArgumentException("reorder: parents must hold 1 to maxBatch=" + maxBatch
          + " entries, got " + (parents == null ? "null" : parents.length));
    }
    for (int b = 0; b < parents.length; b++) {
      if (parents[b] < 0 || parents[b] >= batch) {
        throw new IllegalArgumentException("reorder: parents[" + b + "] = " + parents[b]
            + " is not one of the " + batch + " current sequences");
      }
    }
  }
}
