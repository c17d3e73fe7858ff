package bert4j.runtime.model;

import bert4j.runtime.Batch;
import java.util.Arrays;

/**
 * An encoder–decoder batch brought to one length, the longer of the encoder's and the decoder's
 * rows: input ids padded with 0 (masked as keys), decoder ids with 0 and labels with −1 (later
 * decoder positions never reach earlier ones, and are not counted). Checks the decoder's rows first,
 * naming the offending row.
 */
final class Seq2SeqPadding {
  private Seq2SeqPadding() {}

  static Batch padded(Batch input, String specName) {
    int[][] decoder = input.decoderIds();
    int[][] tokens = input.tokenIds();
    if (decoder == null) {
      throw new IllegalArgumentException(specName + " is an encoder–decoder model: the batch needs "
          + "decoder ids (Batch.seq2seq(inputIds, labels) shifts the labels into them)");
    }
    if (decoder.length != tokens.length) {
      throw new IllegalArgumentException("decoderIds has " + decoder.length + " rows, tokenIds has "
          + tokens.length);
    }
    if (tokens.length == 0) {
      return input;
    }
    int decoderLength = length(decoder, "decoderIds");
    int encoderLength = length(tokens, "tokenIds");
    if (decoderLength == 0) {
      throw new IllegalArgumentException("decoder rows of length 0: the decoder needs at least its "
          + "start token");
    }
    int[][] labels = input.tokenLabels();
    if (labels != null) {
      if (labels.length != tokens.length) {
        throw new IllegalArgumentException("tokenLabels (the decoder's labels) has " + labels.length
            + " rows for a batch of " + tokens.length);
      }
      for (int b = 0; b < labels.length; b++) {
        if (labels[b] == null || labels[b].length != decoderLength) {
          throw new IllegalArgumentException("tokenLabels row " + b + " has "
              + (labels[b] == null ? "no labels" : labels[b].length + " labels") + ", the decoder's "
              + "rows have " + decoderLength + ": one label per decoder position");
        }
      }
    }
    int seq = Math.max(encoderLength, decoderLength);
    return new Batch(pad(tokens, seq, 0), pad(input.segmentIds(), seq, 0), input.labels(),
        labels == null ? null : pad(labels, seq, -1), input.conditions(), input.spans(),
        pad(decoder, seq, 0));
  }

  /** The length of every row of {@code rows}, which must agree. */
  private static int length(int[][] rows, String what) {
    for (int b = 0; b < rows.length; b++) {
      if (rows[b] == null) {
        throw new IllegalArgumentException(what + " row " + b + " is null");
      }
      if (rows[b].length != rows[0].length) {
        throw new IllegalArgumentException(what + " row " + b + " has " + rows[b].length
            + " ids, row 0 has " + rows[0].length + ": pad the batch to one length");
      }
    }
    return rows[0].length;
  }

  private static int[][] pad(int[][] rows, int seq, int fill) {
    int[][] out = new int[rows.length][];
    for (int b = 0; b < rows.length; b++) {
      if (rows[b] == null) {
        throw new IllegalArgumentException("row " + b + " is null");
      }
      out[b] = Arrays.copyOf(rows[b], Math.max(seq, rows[b].length));
      Arrays.fill(out[b], rows[b].length, out[b].length, fill);
    }
    return out;
  }
}
