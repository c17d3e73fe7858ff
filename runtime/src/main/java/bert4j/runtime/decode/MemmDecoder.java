package bert4j.runtime.decode;

import bert4j.runtime.FloatTensor;

/**
 * Tag paths of a maximum-entropy Markov model ({@code @Heads(memm = N)}), whose tag at t has
 * probability softmax(e[t] + T[y_{t−1}]) (e[0] alone at t = 0; e: the model's
 * {@code memm_emissions} for one sequence, T: its {@code memm.transitions}). {@link #greedy} takes
 * each position's most probable tag given the tag chosen before it; {@link #viterbi} the path of
 * highest probability, Σ_t log p(y_t | y_{t−1}). Both keep the {@link TagConstraints} (a forbidden
 * tag is skipped, the probabilities are not renormalized). In double; ties go to the lower tag.
 */
public final class MemmDecoder {
  private final double[][] transitions;
  private final TagConstraints constraints;

  /** A decoder over every path. */
  public MemmDecoder(float[][] transitions) {
    this(transitions, TagConstraints.none(transitions.length));
  }

  /** A decoder over the paths that keep {@code constraints}. */
  public MemmDecoder(float[][] transitions, TagConstraints constraints) {
    this.transitions = Viterbi.transitions(transitions, constraints);
    this.constraints = constraints;
  }

  /** A decoder from a model's {@code [tags, tags]} transitions parameter. */
  public MemmDecoder(FloatTensor transitions, TagConstraints constraints) {
    this(Viterbi.rows(transitions), constraints);
  }

  /**
   * Left to right, the allowed tag of highest probability given the tag chosen before it; a
   * position where no tag is allowed is an error.
   */
  public int[] greedy(float[][] emissions, int length) {
    int n = transitions.length;
    Viterbi.checkEmissions(emissions, length, n);
    int[] path = new int[length];
    for (int t = 0; t < length; t++) {
      double best = Double.NEGATIVE_INFINITY;
      int tag = -1;
      for (int j = 0; j < n; j++) {
        boolean allowed = t == 0 ? constraints.canStart(j) : constraints.allows(path[t - 1], j);
        if (!allowed || t == length - 1 && !constraints.canEnd(j)) {
          continue;
        }
        double z = emissions[t][j] + (t == 0 ? 0 : transitions[path[t - 1]][j]);
        if (z > best) {
          best = z;
          tag = j;
        }
      }
      if (tag < 0) {
        throw new IllegalArgumentException("no tag is allowed at position " + t
            + (t == 0 ? "" : " after tag " + path[t - 1]));
      }
      path[t] = tag;
    }
    return path;
  }

  /** {@link #greedy} on sequence {@code sequence} of a {@code [batch, seq, tags]} emissions output. */
  public int[] greedy(FloatTensor emissions, int sequence, int length) {
    return greedy(Viterbi.rows(emissions, sequence, length, transitions.length), length);
  }

  /** The allowed path of highest probability: Viterbi over log softmax(e[t] + T[y_{t−1}]). */
  public int[] viterbi(float[][] emissions, int length) {
    int n = transitions.length;
    Viterbi.checkEmissions(emissions, length, n);
    double[] logZ = new double[n];
    return Viterbi.best(length, constraints, new Viterbi.Scores() {
      private int cached = -1;

      @Override
      public double start(int tag) {
        return emissions[0][tag] - logSumExp(emissions[0], null);
      }

      @Override
      public double step(int t, int from, int to) {
        if (cached != t) {
          for (int i = 0; i < n; i++) {
            logZ[i] = logSumExp(emissions[t], transitions[i]);
          }
          cached = t;
        }
        return emissions[t][to] + transitions[from][to] - logZ[from];
      }
    });
  }

  /** {@link #viterbi} on sequence {@code sequence} of a {@code [batch, seq, tags]} emissions output. */
  public int[] viterbi(FloatTensor emissions, int sequence, int length) {
    return viterbi(Viterbi.rows(emissions, sequence, length, transitions.length), length);
  }

  /** log Σ_m e^(e[m] + row[m]) (row null: 0), shifted by the max. */
  private static double logSumExp(float[] e, double[] row) {
    double max = Double.NEGATIVE_INFINITY;
    for (int m = 0; m < e.length; m++) {
      max = Math.max(max, e[m] + (row == null ? 0 : row[m]));
    }
    double sum = 0;
    for (int m = 0; m < e.length; m++) {
      sum += Math.exp(e[m] + (row == null ? 0 : row[m]) - max);
    }
    return max + Math.log(sum);
  }
}
