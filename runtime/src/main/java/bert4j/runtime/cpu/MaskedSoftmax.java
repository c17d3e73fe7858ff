package bert4j.runtime.cpu;

import bert4j.dsl.Mask;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * One thread's attention mask for one sequence of a batch, and the masked softmax of a logit row
 * under it. Key j is allowed for query i when its token id is not 0 and, for LM, j ≤ i, or, for
 * UNILM, c[j] ≤ c[i] with c the running sum of segment ids. Masked keys get probability exactly 0;
 * a row with no allowed key gets 1/seq everywhere. Arrays grow to the longest sequence and are reused.
 * The unfused attention's other normalizations use the same mask ({@link #zeroMasked}) and key count
 * ({@link #nonPadding}). For a softmax that knows no mask (oneDNN's), {@link #maskLogits} writes −∞
 * over a row's masked keys, a run of keys at a time, and {@link #fillUnseen} then gives the rows
 * with no allowed key their 1/seq.
 */
final class MaskedSoftmax {
  private final Scratch scratch;
  private Mask mask;
  private int n;
  /** Per key: 1 if not padding, else 0; and the additive 0 / −∞ that excludes padding from the max. */
  private float[] padKeep = new float[0];
  private float[] padBias = new float[0];
  /** UNILM: the allowed keys of the rows whose running segment sum is {@code rowSum}. */
  private float[] rowKeep = new float[0];
  private float[] rowBias = new float[0];
  private int rowSum;
  private int rowAllowed;
  private boolean rowValid;
  /** Non-padding keys among 0..i (LM), and the running segment sums (UNILM). */
  private int[] prefix = new int[0];
  private int[] sums = new int[0];
  private float[] tmp = new float[0];
  /** n copies of −∞ and of 1/n, for bulk puts. */
  private float[] negativeInfinity = new float[0];
  private float[] uniform = new float[0];
  private int uniformN;
  /** The runs [start, end) of padding keys, and (UNILM) of the keys row {@code rowSum} may not see. */
  private int[] padRuns = new int[0];
  private int padRunCount;
  private int[] rowRuns = new int[0];
  private int rowRunCount;

  MaskedSoftmax(Scratch scratch) {
    this.scratch = scratch;
  }

  /** Prepares the mask of the sequence whose ids start at {@code start}. */
  void batch(Mask mask, int[] tokenIds, int[] segmentIds, int start, int n) {
    this.mask = mask;
    this.n = n;
    if (padKeep.length < n) {
      padKeep = new float[n];
      padBias = new float[n];
      rowKeep = new float[n];
      rowBias = new float[n];
      prefix = new int[n];
      sums = new int[n];
      tmp = new float[n];
      negativeInfinity = new float[n];
      Arrays.fill(negativeInfinity, Float.NEGATIVE_INFINITY);
      uniform = new float[n];
      padRuns = new int[n + 1];
      rowRuns = new int[n + 1];
    }
    if (uniformN != n) {
      Arrays.fill(uniform, 0, n, 1f / n);
      uniformN = n;
    }
    int allowed = 0;
    int sum = 0;
    for (int j = 0; j < n; j++) {
      boolean keep = tokenIds[start + j] != 0;
      padKeep[j] = keep ? 1f : 0f;
      padBias[j] = keep ? 0f : Float.NEGATIVE_INFINITY;
      allowed += keep ? 1 : 0;
      prefix[j] = allowed;
      if (mask == Mask.UNILM) {
        sum += segmentIds[start + j];
        sums[j] = sum;
      }
    }
    padRunCount = runs(padKeep, padRuns);
    rowValid = false;
  }

  /**
   * Writes −∞ over the masked keys of query row i, whose logits start at {@code at} in {@code p},
   * leaving the allowed ones as they are.
   */
  void maskLogits(int i, FloatBuffer p, int at) {
    int limit = mask == Mask.LM ? i + 1 : n;
    int[] runs = padRuns;
    int count = padRunCount;
    if (mask == Mask.UNILM) {
      unilmRow(sums[i]);
      runs = rowRuns;
      count = rowRunCount;
    }
    for (int r = 0; r < count; r += 2) {
      int start = runs[r];
      if (start >= limit) {
        break;
      }
      int end = Math.min(runs[r + 1], limit);
      p.put(at + start, negativeInfinity, 0, end - start);
    }
    if (limit < n) {
      p.put(at + limit, negativeInfinity, 0, n - limit);
    }
  }

  /** Writes 1/n over query row i (at {@code at} in {@code p}) if it has no allowed key. */
  void fillUnseen(int i, FloatBuffer p, int at) {
    if (!seesAnyKey(i)) {
      p.put(at, uniform, 0, n);
    }
  }

  /** Stores the runs of 0 in keep[0, n) as start, end pairs in runs; returns 2 × the runs. */
  private int runs(float[] keep, int[] runs) {
    int count = 0;
    int j = 0;
    while (j < n) {
      if (keep[j] != 0f) {
        j++;
        continue;
      }
      runs[count++] = j;
      while (j < n && keep[j] == 0f) {
        j++;
      }
      runs[count++] = j;
    }
    return count;
  }

  /** Whether query row i has at least one allowed key (else its probabilities are the constant 1/seq). */
  boolean seesAnyKey(int i) {
    return switch (mask) {
      case NONE -> prefix[n - 1] > 0;
      case LM -> prefix[i] > 0;
      case UNILM -> {
        unilmRow(sums[i]);
        yield rowAllowed > 0;
      }
    };
  }

  /** The sequence's non-padding keys: the n of the length-scaled normalizations. */
  int nonPadding() {
    return prefix[n - 1];
  }

  /** Sets the masked keys of query row i to exactly 0, leaving the allowed ones as they are. */
  void zeroMasked(int i, float[] row) {
    int limit = mask == Mask.LM ? i + 1 : n;
    float[] keep = padKeep;
    if (mask == Mask.UNILM) {
      unilmRow(sums[i]);
      keep = rowKeep;
    }
    for (int j = 0; j < limit; j++) {
      if (keep[j] == 0f) {
        row[j] = 0f;
      }
    }
    Arrays.fill(row, limit, n, 0f);
  }

  /** Replaces the logits of query row i with their masked softmax. */
  void softmax(int i, float[] row) {
    int limit = n;
    float[] keep = padKeep;
    float[] bias = padBias;
    int allowed = prefix[n - 1];
    if (mask == Mask.LM) {
      limit = i + 1;
      allowed = prefix[i];
    } else if (mask == Mask.UNILM) {
      unilmRow(sums[i]);
      keep = rowKeep;
      bias = rowBias;
      allowed = rowAllowed;
    }
    if (allowed == 0) {
      Arrays.fill(row, 0, n, 1f / n);
      return;
    }
    float[] t = tmp;
    boolean masked = allowed < limit;
    float max;
    if (masked) {
      for (int j = 0; j < limit; j++) {
        t[j] = row[j] + bias[j];
      }
      max = FloatMath.max(t, limit);
    } else {
      max = FloatMath.max(row, limit);
    }
    for (int j = 0; j < limit; j++) {
      t[j] = row[j] - max;
    }
    FloatMath.exp(t, t, limit, scratch);
    if (masked) {
      for (int j = 0; j < limit; j++) {
        t[j] *= keep[j];
      }
    }
    float inv = 1f / FloatMath.sum(t, limit);
    for (int j = 0; j < limit; j++) {
      row[j] = t[j] * inv;
    }
    Arrays.fill(row, limit, n, 0f);
  }

  private void unilmRow(int sum) {
    if (rowValid && rowSum == sum) {
      return;
    }
    int allowed = 0;
    for (int j = 0; j < n; j++) {
      boolean keep = padKeep[j] != 0f && sums[j] <= sum;
      rowKeep[j] = keep ? 1f : 0f;
      rowBias[j] = keep ? 0f : Float.NEGATIVE_INFINITY;
      allowed += keep ? 1 : 0;
    }
    rowRunCount = runs(rowKeep, rowRuns);
    rowSum = sum;
    rowAllowed = allowed;
    rowValid = true;
  }
}
