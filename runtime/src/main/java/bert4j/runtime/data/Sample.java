package bert4j.runtime.data;

import java.util.Arrays;
import java.util.Map;

/**
 * One encoded example for a {@link BatchIterator}: token ids and segment ids (for example an
 * {@code Encoding}'s), and optionally a class label or one target per token (−1 = not counted), and
 * for span heads their target spans: under each head's name, the spans {type, start, end}
 * ({@code [n][3]}; see {@code Batch.withSpans}).
 */
public record Sample(int[] tokenIds, int[] segmentIds, int label, int[] tokenLabels,
    Map<String, int[][]> spans) {
  /** The label of a sample without a class label. */
  public static final int NO_LABEL = -1;

  public Sample {
    if (tokenIds == null || segmentIds == null) {
      throw new IllegalArgumentException("a sample needs token ids and segment ids");
    }
    if (segmentIds.length != tokenIds.length) {
      throw new IllegalArgumentException("a sample has " + tokenIds.length + " token ids but "
          + segmentIds.length + " segment ids");
    }
    if (label < NO_LABEL) {
      throw new IllegalArgumentException("class label must be >= 0 (or NO_LABEL), got " + label);
    }
    if (tokenLabels != null && tokenLabels.length != tokenIds.length) {
      throw new IllegalArgumentException("a sample has " + tokenIds.length + " token ids but "
          + tokenLabels.length + " token labels");
    }
    spans = spans == null ? null : Map.copyOf(spans);
  }

  /** A sample without span targets. */
  public Sample(int[] tokenIds, int[] segmentIds, int label, int[] tokenLabels) {
    this(tokenIds, segmentIds, label, tokenLabels, null);
  }

  /** Inputs with target spans for span heads: under each head's name, {type, start, end} rows. */
  public static Sample withSpans(int[] tokenIds, int[] segmentIds, Map<String, int[][]> spans) {
    if (spans == null) {
      throw new IllegalArgumentException("spans are null");
    }
    return new Sample(tokenIds, segmentIds, NO_LABEL, null, spans);
  }

  /** Inputs only. */
  public static Sample of(int[] tokenIds, int[] segmentIds) {
    return new Sample(tokenIds, segmentIds, NO_LABEL, null);
  }

  /** Inputs with a class label (≥ 0). */
  public static Sample withLabel(int[] tokenIds, int[] segmentIds, int label) {
    if (label < 0) {
      throw new IllegalArgumentException("class label must be >= 0, got " + label);
    }
    return new Sample(tokenIds, segmentIds, label, null);
  }

  /** Inputs with one target per token (−1 where not counted). */
  public static Sample withTokenLabels(int[] tokenIds, int[] segmentIds, int[] tokenLabels) {
    if (tokenLabels == null) {
      throw new IllegalArgumentException("token labels are null");
    }
    return new Sample(tokenIds, segmentIds, NO_LABEL, tokenLabels);
  }

  /** Number of tokens. */
  public int length() {
    return tokenIds.length;
  }

  /** Whether the sample has a class label. */
  public boolean hasLabel() {
    return label != NO_LABEL;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Sample s && label == s.label && Arrays.equals(tokenIds, s.tokenIds)
        && Arrays.equals(segmentIds, s.segmentIds) && Arrays.equals(tokenLabels, s.tokenLabels)
        && sameSpans(spans, s.spans);
  }

  private static boolean sameSpans(Map<String, int[][]> a, Map<String, int[][]> b) {
    if (a == null || b == null) {
      return a == b;
    }
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (String head : a.keySet()) {
      if (!Arrays.deepEquals(a.get(head), b.get(head))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(tokenIds) * 31 + label;
  }

  @Override
  public String toString() {
    return "Sample[tokenIds=" + Arrays.toString(tokenIds) + ", label=" + label + "]";
  }
}
