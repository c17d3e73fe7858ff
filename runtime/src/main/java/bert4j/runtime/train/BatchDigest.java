package bert4j.runtime.train;

import bert4j.runtime.Batch;

/**
 * A 64-bit fingerprint (FNV-1a over 32-bit words) of the batches an epoch has trained on, in order:
 * what a checkpoint records so that a resumed run can tell it is given the same batches (the same
 * samples, batch size, shuffle seed and grouping) before it continues the epoch.
 */
final class BatchDigest {
  private static final long OFFSET = 0xcbf29ce484222325L;
  private static final long PRIME = 0x100000001b3L;
  private long value = OFFSET;

  /** Adds every token id, segment id, label and condition of {@code batch}, and its shape. */
  void add(Batch batch) {
    word(batch.size());
    word(batch.length());
    rows(batch.tokenIds());
    rows(batch.segmentIds());
    rows(batch.tokenLabels());
    if (batch.labels() != null) {
      for (int label : batch.labels()) {
        word(label);
      }
    }
    if (batch.conditions() != null) {
      for (float[] row : batch.conditions()) {
        for (float x : row) {
          word(Float.floatToIntBits(x));
        }
      }
    }
  }

  long value() {
    return value;
  }

  private void rows(int[][] rows) {
    if (rows == null) {
      word(-1);
      return;
    }
    for (int[] row : rows) {
      for (int x : row) {
        word(x);
      }
    }
  }

  private void word(int x) {
    value = (value ^ (x & 0xffffffffL)) * PRIME;
  }
}
