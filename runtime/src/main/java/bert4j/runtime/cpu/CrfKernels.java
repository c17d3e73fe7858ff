package bert4j.runtime.cpu;

/**
 * The linear-chain CRF loss ({@code Kernels.crfLoss}) of one sequence, in double, over its
 * non-padding positions k = 0 … L−1 (see {@link TagPathLossKernels}): the forward recursion
 * α_0 = e_0, α_k[j] = e_k[j] + lse_i(α_{k−1}[i] + T[i][j]), the backward β_{L−1} = 0,
 * β_k[i] = lse_j(T[i][j] + e_{k+1}[j] + β_{k+1}[j]), log Z = lse_j α_{L−1}[j]; the loss
 * log Z − score(gold), the emission gradients e^(α_k + β_k − log Z) − onehot(y_k), and the
 * transition partials Σ_{k≥1} e^(α_{k−1}[i] + T[i][j] + e_k[j] + β_k[j] − log Z) − [gold pair],
 * each entry summed over k in order. Every log-sum-exp is shifted by its max.
 */
final class CrfKernels extends TagPathLossKernels {
  CrfKernels(ParallelRows pool) {
    super(pool);
  }

  @Override
  long cost(int length, int tags) {
    return 40L * length * tags * tags;
  }

  @Override
  double sequence(int thread, double[] e, int[] y, int length, int n, double[] trans,
      double[] gradients, double[] partials, int partialsOff) {
    int size = length * n;
    double[] w = work(thread, 2 * size + n);
    int beta = size;
    int terms = 2 * size;
    for (int j = 0; j < n; j++) {
      w[j] = e[j];
    }
    for (int k = 1; k < length; k++) {
      for (int j = 0; j < n; j++) {
        for (int i = 0; i < n; i++) {
          w[terms + i] = w[(k - 1) * n + i] + trans[i * n + j];
        }
        w[k * n + j] = e[k * n + j] + logSumExp(w, terms, n);
      }
    }
    double logZ = logSumExp(w, (length - 1) * n, n);
    for (int i = 0; i < n; i++) {
      w[beta + (length - 1) * n + i] = 0;
    }
    for (int k = length - 2; k >= 0; k--) {
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          w[terms + j] = trans[i * n + j] + e[(k + 1) * n + j] + w[beta + (k + 1) * n + j];
        }
        w[beta + k * n + i] = logSumExp(w, terms, n);
      }
    }
    double score = e[y[0]];
    for (int k = 1; k < length; k++) {
      score += e[k * n + y[k]] + trans[y[k - 1] * n + y[k]];
    }
    for (int q = 0; q < size; q++) {
      gradients[q] = Math.exp(w[q] + w[beta + q] - logZ);
    }
    for (int k = 0; k < length; k++) {
      gradients[k * n + y[k]] -= 1;
    }
    for (int k = 1; k < length; k++) {
      for (int i = 0; i < n; i++) {
        double from = w[(k - 1) * n + i];
        for (int j = 0; j < n; j++) {
          double pair = Math.exp(from + trans[i * n + j] + e[k * n + j] + w[beta + k * n + j]
              - logZ);
          partials[partialsOff + i * n + j] += pair - (y[k - 1] == i && y[k] == j ? 1 : 0);
        }
      }
    }
    return logZ - score;
  }
}
