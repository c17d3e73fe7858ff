package bert4j.examples.heads;

import bert4j.runtime.decode.TagConstraints;
import java.util.function.ToDoubleFunction;

/**
 * Brute force over tag paths, in double, for the CRF and MEMM tests: every path of a sequence
 * enumerated, the CRF's log Z and marginals from them, the MEMM's loss from its formula, and the best
 * path under constraints by trying them all. Emissions {@code e[t][j]} are one sequence's non-padding
 * positions; {@code trans[i][j]} scores tag j after tag i.
 */
final class TagPaths {
  /** One sequence's loss and its unscaled gradients. */
  record Loss(double value, double[][] dEmissions, double[][] dTransitions) {}

  private TagPaths() {}

  /** Path number p of {@code length} tags, the first position the most significant digit. */
  static int[] path(long p, int n, int length) {
    int[] y = new int[length];
    for (int k = length - 1; k >= 0; k--) {
      y[k] = (int) (p % n);
      p /= n;
    }
    return y;
  }

  static long count(int n, int length) {
    return (long) Math.pow(n, length);
  }

  /** The CRF score Σ e[t][y_t] + Σ trans[y_{t−1}][y_t]. */
  static double crfScore(double[][] e, double[][] trans, int[] y) {
    double s = 0;
    for (int t = 0; t < y.length; t++) {
      s += e[t][y[t]] + (t > 0 ? trans[y[t - 1]][y[t]] : 0);
    }
    return s;
  }

  /** The MEMM log probability Σ log softmax(e[t] + trans[y_{t−1}])[y_t]. */
  static double memmLogProbability(double[][] e, double[][] trans, int[] y) {
    double s = 0;
    for (int t = 0; t < y.length; t++) {
      double[] z = logits(e[t], t == 0 ? null : trans[y[t - 1]]);
      s += z[y[t]] - logSumExp(z);
    }
    return s;
  }

  /** log Z − score(gold), with the gradients: path probabilities minus the gold path's counts. */
  static Loss crf(double[][] e, double[][] trans, int[] gold) {
    int length = e.length;
    int n = trans.length;
    long paths = count(n, length);
    double[] scores = new double[(int) paths];
    for (int p = 0; p < paths; p++) {
      scores[p] = crfScore(e, trans, path(p, n, length));
    }
    double logZ = logSumExp(scores);
    double[][] dE = new double[length][n];
    double[][] dT = new double[n][n];
    for (int p = 0; p < paths; p++) {
      add(path(p, n, length), Math.exp(scores[p] - logZ), dE, dT);
    }
    add(gold, -1, dE, dT);
    return new Loss(logZ - crfScore(e, trans, gold), dE, dT);
  }

  /** −log p(gold), with its gradients (softmax minus one-hot, per position). */
  static Loss memm(double[][] e, double[][] trans, int[] gold) {
    int n = trans.length;
    double[][] dE = new double[e.length][n];
    double[][] dT = new double[n][n];
    for (int t = 0; t < e.length; t++) {
      double[] z = logits(e[t], t == 0 ? null : trans[gold[t - 1]]);
      double lse = logSumExp(z);
      for (int m = 0; m < n; m++) {
        dE[t][m] = Math.exp(z[m] - lse) - (m == gold[t] ? 1 : 0);
        if (t > 0) {
          dT[gold[t - 1]][m] += dE[t][m];
        }
      }
    }
    return new Loss(-memmLogProbability(e, trans, gold), dE, dT);
  }

  /** The admitted path of {@code length} tags with the highest {@code score}; the first on ties. */
  static int[] best(int length, TagConstraints rules, ToDoubleFunction<int[]> score) {
    int[] best = null;
    double top = Double.NEGATIVE_INFINITY;
    for (long p = 0; p < count(rules.tags(), length); p++) {
      int[] y = path(p, rules.tags(), length);
      if (!rules.admits(y)) {
        continue;
      }
      double s = score.applyAsDouble(y);
      if (best == null || s > top) {
        best = y;
        top = s;
      }
    }
    return best;
  }

  private static void add(int[] y, double weight, double[][] dE, double[][] dT) {
    for (int t = 0; t < y.length; t++) {
      dE[t][y[t]] += weight;
      if (t > 0) {
        dT[y[t - 1]][y[t]] += weight;
      }
    }
  }

  private static double[] logits(double[] e, double[] row) {
    double[] z = e.clone();
    for (int m = 0; row != null && m < z.length; m++) {
      z[m] += row[m];
    }
    return z;
  }

  static double logSumExp(double[] v) {
    double max = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      max = Math.max(max, x);
    }
    double sum = 0;
    for (double x : v) {
      sum += Math.exp(x - max);
    }
    return max + Math.log(sum);
  }
}
