package bert4j.runtime.decode;

import bert4j.runtime.FloatTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The spans of a span head's output ({@code @Heads(spans = ...)}, {@code <name>_scores}
 * {@code [batch, types, seq, seq]}): every (type, start, end) of one sequence whose score is above
 * a threshold, 0 by default as in bert4keras's GlobalPointer examples (the loss pushes targets above
 * 0 and the rest below). Masked spans (padding, and with tril those ending before they start) score
 * −1e12 and are never found.
 */
public final class SpanDecoder {
  /** bert4keras's threshold: a span is found when its score is above 0. */
  public static final double DEFAULT_THRESHOLD = 0;

  private SpanDecoder() {}

  /** The spans of sequence {@code b} scoring above 0, by type, then start, then end. */
  public static List<ScoredSpan> decode(FloatTensor scores, int b) {
    return decode(scores, b, DEFAULT_THRESHOLD);
  }

  /** The spans of sequence {@code b} scoring above {@code threshold}, by type, start, end. */
  public static List<ScoredSpan> decode(FloatTensor scores, int b, double threshold) {
    int[] shape = check(scores, b);
    int types = shape[1];
    int seq = shape[2];
    List<ScoredSpan> spans = new ArrayList<>();
    float[] data = scores.data();
    for (int t = 0; t < types; t++) {
      int at = (b * types + t) * seq * seq;
      for (int i = 0; i < seq; i++) {
        for (int j = 0; j < seq; j++) {
          float s = data[at + i * seq + j];
          if (s > threshold) {
            spans.add(new ScoredSpan(t, i, j, s));
          }
        }
      }
    }
    return spans;
  }

  /** The shape of a span head's scores, after checking them and the sequence index. */
  static int[] check(FloatTensor scores, int b) {
    int[] shape = scores.shape();
    if (shape.length != 4 || shape[2] != shape[3]) {
      throw new IllegalArgumentException("span scores must be [batch, types, seq, seq], got "
          + Arrays.toString(shape));
    }
    if (b < 0 || b >= shape[0]) {
      throw new IllegalArgumentException("sequence " + b + " is outside the batch of " + shape[0]);
    }
    return shape;
  }
}
