package bert4j.runtime.kernels.contract;

/**
 * Naive double references of the tag-path losses ({@code crfLoss}, {@code memmLoss}) over each
 * sequence's non-padding positions: the CRF by enumerating every tag path (tiny sizes only), its
 * gradients as path probabilities minus the gold path's counts; the MEMM by its formula. Gradients
 * are unscaled.
 */
final class TagPathReference {
  /** The summed loss and its gradients, [batch·seq, tags] and [tags, tags]. */
  record Result(double loss, double[] dEmissions, double[] dTransitions) {}

  private TagPathReference() {}

  static Result crf(double[] e, double[] trans, int[] tags, int[] tokenIds, int batch, int seq,
      int n) {
    double loss = 0;
    double[] dE = new double[batch * seq * n];
    double[] dT = new double[n * n];
    for (int b = 0; b < batch; b++) {
      int[] at = positions(tokenIds, b, seq);
      int length = at.length;
      if (length == 0) {
        continue;
      }
      int paths = (int) Math.pow(n, length);
      double[] scores = new double[paths];
      double max = Double.NEGATIVE_INFINITY;
      for (int p = 0; p < paths; p++) {
        scores[p] = score(e, trans, path(p, n, length), at, b, seq, n);
        max = Math.max(max, scores[p]);
      }
      double sum = 0;
      for (double s : scores) {
        sum += Math.exp(s - max);
      }
      double logZ = max + Math.log(sum);
      int[] gold = new int[length];
      for (int k = 0; k < length; k++) {
        gold[k] = tags[b * seq + at[k]];
      }
      loss += logZ - score(e, trans, gold, at, b, seq, n);
      for (int p = 0; p < paths; p++) {
        double probability = Math.exp(scores[p] - logZ);
        count(path(p, n, length), probability, at, b, seq, n, dE, dT);
      }
      count(gold, -1, at, b, seq, n, dE, dT);
    }
    return new Result(loss, dE, dT);
  }

  static Result memm(double[] e, double[] trans, int[] tags, int[] tokenIds, int batch, int seq,
      int n) {
    double loss = 0;
    double[] dE = new double[batch * seq * n];
    double[] dT = new double[n * n];
    for (int b = 0; b < batch; b++) {
      int previous = -1;
      for (int r : positions(tokenIds, b, seq)) {
        int row = (b * seq + r) * n;
        int y = tags[b * seq + r];
        double[] z = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int m = 0; m < n; m++) {
          z[m] = e[row + m] + (previous < 0 ? 0 : trans[previous * n + m]);
          max = Math.max(max, z[m]);
        }
        double sum = 0;
        for (int m = 0; m < n; m++) {
          sum += Math.exp(z[m] - max);
        }
        loss += max + Math.log(sum) - z[y];
        for (int m = 0; m < n; m++) {
          double g = Math.exp(z[m] - max) / sum - (m == y ? 1 : 0);
          dE[row + m] = g;
          if (previous >= 0) {
            dT[previous * n + m] += g;
          }
        }
        previous = y;
      }
    }
    return new Result(loss, dE, dT);
  }

  /** The non-padding positions of sequence b, in order. */
  static int[] positions(int[] tokenIds, int b, int seq) {
    return java.util.stream.IntStream.range(0, seq).filter(t -> tokenIds[b * seq + t] != 0)
        .toArray();
  }

  /** Path number p as tags, the first position the most significant digit in base n. */
  private static int[] path(int p, int n, int length) {
    int[] y = new int[length];
    for (int k = length - 1; k >= 0; k--) {
      y[k] = p % n;
      p /= n;
    }
    return y;
  }

  private static double score(double[] e, double[] trans, int[] y, int[] at, int b, int seq,
      int n) {
    double s = 0;
    for (int k = 0; k < y.length; k++) {
      s += e[(b * seq + at[k]) * n + y[k]];
      if (k > 0) {
        s += trans[y[k - 1] * n + y[k]];
      }
    }
    return s;
  }

  /** Adds {@code weight} for each emission and transition path y uses. */
  private static void count(int[] y, double weight, int[] at, int b, int seq, int n, double[] dE,
      double[] dT) {
    for (int k = 0; k < y.length; k++) {
      dE[(b * seq + at[k]) * n + y[k]] += weight;
      if (k > 0) {
        dT[y[k - 1] * n + y[k]] += weight;
      }
    }
  }
}
