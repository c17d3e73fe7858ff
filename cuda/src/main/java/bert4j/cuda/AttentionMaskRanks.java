package bert4j.cuda;

import bert4j.dsl.Mask;
import java.util.Arrays;

/**
 * The attention mask of a batch as the per-token ranks the attention kernel compares
 * (attention.cu): key j is visible to query i iff keyRank[j] ≤ queryRank[i] (and j ≤ i for the LM
 * mask), where <ul>
 *   <li>keyRank[j] = MAX_VALUE for padding (token id 0), else c[j] for UNILM, else 0;
 *   <li>queryRank[i] = −1 when query i sees no key at all (it then attends uniformly), else c[i]
 * for
 *       UNILM, else 0;
 * </ul>
 * with c the running sum of the segment ids within the sequence. Computed on the host in one pass
 * per sequence; the last batch's ids are kept so that the layers of one forward pass, which share
 * them, upload the ranks once.
 */
final class AttentionMaskRanks {
  private int[] ranks = new int[0];
  private int[] lastTokens = new int[0];
  private int[] lastSegments = new int[0];
  private Mask lastMask;
  private int lastSeq;
  private int lastCount = -1;

  /**
   * Computes the ranks of {@code batch × seq} tokens into {@link #ranks()} ([0, n) keys, [n, 2n)
   * queries); false when they equal the previous call's, which are still there.
   */
  boolean compute(Mask mask, int[] tokenIds, int[] segmentIds, int batch, int seq) {
    int n = batch * seq;
    boolean unilm = mask == Mask.UNILM;
    if (n == lastCount && seq == lastSeq && mask == lastMask
        && Arrays.equals(tokenIds, 0, n, lastTokens, 0, n)
        && (!unilm || Arrays.equals(segmentIds, 0, n, lastSegments, 0, n))) {
      return false;
    }
    if (ranks.length < 2 * n) {
      ranks = new int[2 * n];
      lastTokens = new int[n];
      lastSegments = new int[n];
    }
    for (int b = 0; b < batch; b++) {
      int start = b * seq;
      int sum = 0;
      int minKeySum = Integer.MAX_VALUE;
      for (int j = 0; j < seq; j++) {
        sum += unilm ? segmentIds[start + j] : 0;
        boolean padding = tokenIds[start + j] == 0;
        ranks[start + j] = padding ? Integer.MAX_VALUE : sum;
        ranks[n + start + j] = sum;
        if (!padding) {
          minKeySum = Math.min(minKeySum, sum);
        }
      }
      boolean seenKey = false;
      for (int i = 0; i < seq; i++) {
        int c = ranks[n + start + i];
        seenKey |= tokenIds[start + i] != 0;
        boolean sees = switch (mask) {
          case NONE -> minKeySum != Integer.MAX_VALUE;
          case LM -> seenKey;
          case UNILM -> minKeySum <= c;
        };
        ranks[n + start + i] = sees ? c : -1;
      }
    }
    System.arraycopy(tokenIds, 0, lastTokens, 0, n);
    if (unilm) {
      System.arraycopy(segmentIds, 0, lastSegments, 0, n);
    }
    lastMask = mask;
    lastSeq = seq;
    lastCount = n;
    return true;
  }

  int[] ranks() {
    return ranks;
  }
}
