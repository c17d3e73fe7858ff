package bert4j.runtime.kernels;

/**
 * T5's relative position buckets (Hugging Face's {@code T5Attention._relative_position_bucket}): the
 * distance r = j − i of key j from query i falls in one of {@code buckets} buckets. Bidirectional
 * (the encoder): half the buckets for r ≤ 0 and half, offset by buckets/2, for r > 0, over |r|;
 * causal (the decoder): all of them over max(−r, 0). Within a direction of n buckets, a distance
 * below n/2 is its own bucket, and larger ones are log-spaced up to {@code maxDistance}: n/2 +
 * ⌊log(d/(n/2))/log(maxDistance/(n/2))·(n − n/2)⌋, capped at n − 1. The logarithm runs in float, as
 * Hugging Face's does on float32 tensors.
 */
public final class RelativeBuckets {
  private RelativeBuckets() {}

  /** The bucket of distance {@code relative} = j − i. */
  public static int bucket(int relative, boolean bidirectional, int buckets, int maxDistance) {
    int n = buckets;
    int offset = 0;
    int distance;
    if (bidirectional) {
      n /= 2;
      offset = relative > 0 ? n : 0;
      distance = Math.abs(relative);
    } else {
      distance = Math.max(-relative, 0);
    }
    int exact = n / 2;
    if (distance < exact) {
      return offset + distance;
    }
    float logRatio = (float) Math.log((float) distance / exact);
    float span = (float) Math.log((double) maxDistance / exact);
    int large = exact + (int) (logRatio / span * (n - exact));
    return offset + Math.min(large, n - 1);
  }

  /**
   * The buckets of every distance a sequence of {@code seq} holds: entry d + seq − 1 is the bucket of
   * distance d, for d in [−(seq − 1), seq − 1].
   */
  public static int[] forDistances(int seq, boolean bidirectional, int buckets, int maxDistance) {
    int[] table = new int[2 * seq - 1];
    for (int d = 1 - seq; d < seq; d++) {
      table[d + seq - 1] = bucket(d, bidirectional, buckets, maxDistance);
    }
    return table;
  }
}
