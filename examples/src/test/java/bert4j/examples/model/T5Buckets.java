package bert4j.examples.model;

/**
 * A direct transcription of T5's relative position bucket (Mesh TensorFlow's
 * {@code _relative_position_bucket}, as Hugging Face states it) in double, independent of the
 * runtime's {@code RelativeBuckets}.
 */
final class T5Buckets {
  private T5Buckets() {}

  /** The bucket of relative position {@code relative} = memory position − query position. */
  static int bucket(int relative, boolean bidirectional, int numBuckets, int maxDistance) {
    int ret = 0;
    int n;
    if (bidirectional) {
      numBuckets /= 2;
      if (relative > 0) {
        ret += numBuckets;
      }
      n = Math.abs(relative);
    } else {
      n = Math.max(-relative, 0);
    }
    int maxExact = numBuckets / 2;
    if (n < maxExact) {
      return ret + n;
    }
    double scaled = Math.log((double) n / maxExact) / Math.log((double) maxDistance / maxExact)
        * (numBuckets - maxExact);
    return ret + Math.min(maxExact + (int) scaled, numBuckets - 1);
  }

  /** bucket[i][j] for query i and key j of sequences of {@code seq}. */
  static int[][] grid(int seq, boolean bidirectional) {
    int[][] grid = new int[seq][seq];
    for (int i = 0; i < seq; i++) {
      for (int j = 0; j < seq; j++) {
        grid[i][j] = bucket(j - i, bidirectional, 32, 128);
      }
    }
    return grid;
  }
}
