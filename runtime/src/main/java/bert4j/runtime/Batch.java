package bert4j.runtime;

import java.util.Map;

/**
 * One batch of model input: token ids and segment ids ({@code [batch][seq]}, every row the same
 * length; token id 0 is padding), and the labels of whichever heads train on them: {@code labels}, one
 * class per sequence for a classification head; {@code tokenLabels}, one target token id per position
 * (−1 = not counted) for a masked-LM head. LM and UniLM heads take their targets from the token ids and
 * need neither. A model with conditional layer norms also takes one condition vector per sequence
 * ({@code conditions}, {@code [batch][conditionSize]}; null otherwise). A model with span heads
 * ({@code @Heads(spans = ...)}) trains on {@code spans}: under each span head's name, per sequence,
 * its target spans as {type, start, end} ({@code [batch][n][3]}, positions counted in the token
 * ids). Checked against the model when it is used: see {@link TransformerModel}.
 */
public record Batch(int[][] tokenIds, int[][] segmentIds, int[] labels, int[][] tokenLabels,
    float[][] conditions, Map<String, int[][][]> spans) {
  public Batch {
    if (tokenIds == null || segmentIds == null) {
      throw new IllegalArgumentException("a batch needs token ids and segment ids");
    }
    spans = spans == null ? null : Map.copyOf(spans);
  }

  /** A batch without span targets. */
  public Batch(int[][] tokenIds, int[][] segmentIds, int[] labels, int[][] tokenLabels,
      float[][] conditions) {
    this(tokenIds, segmentIds, labels, tokenLabels, conditions, null);
  }

  /** A batch without conditions or span targets. */
  public Batch(int[][] tokenIds, int[][] segmentIds, int[] labels, int[][] tokenLabels) {
    this(tokenIds, segmentIds, labels, tokenLabels, null, null);
  }

  /** This batch with one condition vector per sequence, for a model with conditional layer norms. */
  public Batch withConditions(float[][] conditions) {
    return new Batch(tokenIds, segmentIds, labels, tokenLabels, conditions, spans);
  }

  /**
   * This batch with target spans for the span heads: under each head's name, per sequence, the
   * spans {type, start, end} ({@code [batch][n][3]}).
   */
  public Batch withSpans(Map<String, int[][][]> spans) {
    return new Batch(tokenIds, segmentIds, labels, tokenLabels, conditions, spans);
  }

  /** Inputs only, for inference or for heads that take their targets from the tokens. */
  public static Batch of(int[][] tokenIds, int[][] segmentIds) {
    return new Batch(tokenIds, segmentIds, null, null);
  }

  /** Inputs with one class label per sequence. */
  public static Batch withLabels(int[][] tokenIds, int[][] segmentIds, int[] labels) {
    return new Batch(tokenIds, segmentIds, labels, null);
  }

  /** Inputs with one target token per position (−1 where not counted), for masked-LM training. */
  public static Batch withTokenLabels(int[][] tokenIds, int[][] segmentIds, int[][] tokenLabels) {
    return new Batch(tokenIds, segmentIds, null, tokenLabels);
  }

  /** Number of sequences. */
  public int size() {
    return tokenIds.length;
  }

  /** Length of every sequence (0 for an empty batch). */
  public int length() {
    return tokenIds.length == 0 || tokenIds[0] == null ? 0 : tokenIds[0].length;
  }
}
