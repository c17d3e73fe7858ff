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
 * ids). An encoder–decoder model (T5) reads its inputs as Hugging Face's {@code input_ids}
 * ({@code tokenIds}, the encoder's), {@code decoder_input_ids} ({@code decoderIds}) and
 * {@code labels} ({@code tokenLabels}: one target per decoder position, −1 = not counted): see
 * {@link #seq2seq(int[][], int[][])}. Checked against the model when it is used: see
 * {@link TransformerModel}.
 */
public record Batch(int[][] tokenIds, int[][] segmentIds, int[] labels, int[][] tokenLabels,
    float[][] conditions, Map<String, int[][][]> spans, int[][] decoderIds) {
  public Batch {
    if (tokenIds == null || segmentIds == null) {
      throw new IllegalArgumentException("a batch needs token ids and segment ids");
    }
    spans = spans == null ? null : Map.copyOf(spans);
  }

  /** A batch without decoder ids: the input of an encoder or a decoder-only model. */
  public Batch(int[][] tokenIds, int[][] segmentIds, int[] labels, int[][] tokenLabels,
      float[][] conditions, Map<String, int[][][]> spans) {
    this(tokenIds, segmentIds, labels, tokenLabels, conditions, spans, null);
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
    return new Batch(tokenIds, segmentIds, labels, tokenLabels, conditions, spans, decoderIds);
  }

  /**
   * This batch with target spans for the span heads: under each head's name, per sequence, the
   * spans {type, start, end} ({@code [batch][n][3]}).
   */
  public Batch withSpans(Map<String, int[][][]> spans) {
    return new Batch(tokenIds, segmentIds, labels, tokenLabels, conditions, spans, decoderIds);
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

  /**
   * An encoder–decoder (T5) training batch as Hugging Face builds it from {@code input_ids} and
   * {@code labels} ({@code [batch][targetLength]}, −1 = not counted): the decoder reads the labels
   * shifted right, after the decoder start token 0, with −1 read as padding (0). The encoder's and the
   * decoder's rows may differ in length; the model pads both to the longer.
   */
  public static Batch seq2seq(int[][] inputIds, int[][] labels) {
    if (labels == null) {
      throw new IllegalArgumentException("seq2seq needs labels to shift into the decoder's input; "
          + "use seq2seq(inputIds, decoderIds, null) for inference");
    }
    int[][] decoder = new int[labels.length][];
    for (int b = 0; b < labels.length; b++) {
      if (labels[b] == null) {
        throw new IllegalArgumentException("labels row " + b + " is null");
      }
      decoder[b] = new int[labels[b].length];
      for (int i = 1; i < labels[b].length; i++) {
        decoder[b][i] = Math.max(labels[b][i - 1], 0);
      }
    }
    return seq2seq(inputIds, decoder, labels);
  }

  /**
   * An encoder–decoder (T5) batch of {@code input_ids}, {@code decoder_input_ids} and {@code labels}
   * (one per decoder position, −1 = not counted; null for inference). No segments.
   */
  public static Batch seq2seq(int[][] inputIds, int[][] decoderIds, int[][] labels) {
    if (inputIds == null || decoderIds == null) {
      throw new IllegalArgumentException("a seq2seq batch needs input ids and decoder ids");
    }
    int[][] segments = new int[inputIds.length][];
    for (int b = 0; b < inputIds.length; b++) {
      segments[b] = new int[inputIds[b] == null ? 0 : inputIds[b].length];
    }
    return new Batch(inputIds, segments, null, labels, null, null, decoderIds);
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
