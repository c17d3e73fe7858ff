package bert4j.runtime.train;

import bert4j.runtime.FloatTensor;
import java.util.Arrays;

/**
 * Accuracy: the share of predictions equal to their gold label, counted over any number of
 * {@code add} calls (an evaluation's batches). {@link #ofClasses()} and {@link #ofTokens()} follow
 * it during training as a {@link StepMetric}.
 */
public final class Accuracy {
  private long correct;
  private long total;

  /** Counts one prediction. */
  public void add(int predicted, int gold) {
    correct += predicted == gold ? 1 : 0;
    total++;
  }

  /** Counts the argmax of each row of {@code logits} ([batch, classes]) against its label. */
  public void add(FloatTensor logits, int[] labels) {
    int[] shape = logits.shape();
    if (shape.length != 2 || shape[0] != labels.length) {
      throw new IllegalArgumentException("logits of shape " + Arrays.toString(shape)
          + " for " + labels.length + " labels: expected [" + labels.length + ", classes]");
    }
    for (int b = 0; b < labels.length; b++) {
      add(argmax(logits.data(), b * shape[1], shape[1]), labels[b]);
    }
  }

  /**
   * Counts the argmax of each position of {@code logits} ({@code [batch, seq, classes]}) against
   * its label, skipping labels below 0 (padding, positions not counted).
   */
  public void addTokens(FloatTensor logits, int[][] labels) {
    int[] shape = logits.shape();
    if (shape.length != 3 || shape[0] != labels.length
        || labels.length > 0 && labels[0].length != shape[1]) {
      throw new IllegalArgumentException("logits of shape " + Arrays.toString(shape)
          + " for token labels of " + labels.length + " rows: expected [rows, seq, classes]");
    }
    for (int b = 0; b < shape[0]; b++) {
      for (int s = 0; s < shape[1]; s++) {
        if (labels[b][s] >= 0) {
          add(argmax(logits.data(), (b * shape[1] + s) * shape[2], shape[2]), labels[b][s]);
        }
      }
    }
  }

  /** Correct predictions counted. */
  public long correct() {
    return correct;
  }

  /** Predictions counted. */
  public long total() {
    return total;
  }

  /** correct / total; 0 before anything is counted. */
  public double value() {
    return total == 0 ? 0 : (double) correct / total;
  }

  /** {@code acc}: the class head's argmax ({@code class_logits}) against the batch's labels. */
  public static StepMetric ofClasses() {
    return StepMetric.of("acc", (batch, outputs) -> {
      Accuracy accuracy = new Accuracy();
      accuracy.add(outputs.get("class_logits"), batch.labels());
      return new Tally(accuracy.correct, accuracy.total);
    });
  }

  /**
   * {@code acc}: the token-classification head's argmax ({@code token_class_logits}) against the
   * batch's token labels, positions labelled −1 not counted.
   */
  public static StepMetric ofTokens() {
    return StepMetric.of("acc", (batch, outputs) -> {
      Accuracy accuracy = new Accuracy();
      accuracy.addTokens(outputs.get("token_class_logits"), batch.tokenLabels());
      return new Tally(accuracy.correct, accuracy.total);
    });
  }

  /** The index of the largest of {@code n} values from {@code from} (the first on ties). */
  private static int argmax(float[] values, int from, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (values[from + i] > values[from + best]) {
        best = i;
      }
    }
    return best;
  }
}
