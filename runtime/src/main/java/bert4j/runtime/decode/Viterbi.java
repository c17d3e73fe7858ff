package bert4j.runtime.decode;

import bert4j.runtime.FloatTensor;
import java.util.Arrays;

/**
 * The dynamic programme the decoders share, and their argument checks: the best-scoring tag path of
 * a given length under {@link TagConstraints}, for scores given per start tag and per step (t, tag
 * before, tag after), in double. Ties go to the lower tag.
 */
final class Viterbi {
  /** The scores of a path: its first tag, and each later step. */
  interface Scores {
    double start(int tag);

    double step(int t, int from, int to);
  }

  private Viterbi() {}

  /** The best path of {@code length} tags; no path that keeps the rules is an error. */
  static int[] best(int length, TagConstraints rules, Scores scores) {
    int n = rules.tags();
    int[] path = new int[length];
    if (length == 0) {
      return path;
    }
    double[] score = new double[n];
    double[] next = new double[n];
    int[][] back = new int[length][n];
    for (int j = 0; j < n; j++) {
      score[j] = rules.canStart(j) ? scores.start(j) : Double.NEGATIVE_INFINITY;
    }
    for (int t = 1; t < length; t++) {
      for (int j = 0; j < n; j++) {
        double best = Double.NEGATIVE_INFINITY;
        int from = 0;
        for (int i = 0; i < n; i++) {
          if (score[i] == Double.NEGATIVE_INFINITY || !rules.allows(i, j)) {
            continue;
          }
          double s = score[i] + scores.step(t, i, j);
          if (s > best) {
            best = s;
            from = i;
          }
        }
        next[j] = best;
        back[t][j] = from;
      }
      double[] swap = score;
      score = next;
      next = swap;
    }
    double best = Double.NEGATIVE_INFINITY;
    int last = -1;
    for (int j = 0; j < n; j++) {
      if (rules.canEnd(j) && score[j] > best) {
        best = score[j];
        last = j;
      }
    }
    if (last < 0) {
      throw new IllegalArgumentException("no path of " + length + " tags keeps the constraints");
    }
    path[length - 1] = last;
    for (int t = length - 1; t > 0; t--) {
      path[t - 1] = back[t][path[t]];
    }
    return path;
  }

  /** The transitions as a square matrix in double, checked against the constraints' tag count. */
  static double[][] transitions(float[][] transitions, TagConstraints rules) {
    int n = transitions.length;
    if (n != rules.tags()) {
      throw new IllegalArgumentException("transitions of " + n + " tags, constraints of "
          + rules.tags());
    }
    double[][] t = new double[n][n];
    for (int i = 0; i < n; i++) {
      if (transitions[i] == null || transitions[i].length != n) {
        throw new IllegalArgumentException("transitions row " + i + " has "
            + (transitions[i] == null ? "no values" : transitions[i].length + " values")
            + ": the matrix must be " + n + " × " + n);
      }
      for (int j = 0; j < n; j++) {
        t[i][j] = transitions[i][j];
      }
    }
    return t;
  }

  /** A {@code [tags, tags]} tensor (a model's {@code crf.transitions}) as rows. */
  static float[][] rows(FloatTensor transitions) {
    int[] shape = transitions.shape();
    if (shape.length != 2 || shape[0] != shape[1]) {
      throw new IllegalArgumentException("transitions must be a square [tags, tags] tensor, got "
          + Arrays.toString(shape));
    }
    float[][] rows = new float[shape[0]][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = Arrays.copyOfRange(transitions.data(), i * shape[0], (i + 1) * shape[0]);
    }
    return rows;
  }

  /**
   * The first {@code length} rows of sequence {@code sequence} of a {@code [batch, seq, tags]}
   * tensor (a model's emissions output).
   */
  static float[][] rows(FloatTensor emissions, int sequence, int length, int tags) {
    int[] shape = emissions.shape();
    if (shape.length != 3 || shape[2] != tags) {
      throw new IllegalArgumentException("emissions must be [batch, seq, " + tags + "], got "
          + Arrays.toString(shape));
    }
    if (sequence < 0 || sequence >= shape[0]) {
      throw new IllegalArgumentException("sequence " + sequence + " is outside [0, " + shape[0]
          + ")");
    }
    checkLength(length, shape[1]);
    float[][] rows = new float[length][];
    int from = sequence * shape[1] * tags;
    for (int t = 0; t < length; t++) {
      rows[t] = Arrays.copyOfRange(emissions.data(), from + t * tags, from + (t + 1) * tags);
    }
    return rows;
  }

  /** Checks a {@code [≥ length, tags]} emission matrix. */
  static void checkEmissions(float[][] emissions, int length, int tags) {
    checkLength(length, emissions.length);
    for (int t = 0; t < length; t++) {
      if (emissions[t] == null || emissions[t].length != tags) {
        throw new IllegalArgumentException("emissions row " + t + " has "
            + (emissions[t] == null ? "no values" : emissions[t].length + " values") + ", not "
            + tags + " (one per tag)");
      }
    }
  }

  private static void checkLength(int length, int rows) {
    if (length < 0 || length > rows) {
      throw new IllegalArgumentException("length " + length + " is outside [0, " + rows + "]");
    }
  }
}
