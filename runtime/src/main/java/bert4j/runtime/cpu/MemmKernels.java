package bert4j.runtime.cpu;

/**
 * The MEMM loss ({@code Kernels.memmLoss}) of one sequence, in double, over its non-padding
 * positions k = 0 … L−1 (see {@link TagPathLossKernels}): at each position the logits
 * z[m] = e_k[m] + T[y_{k−1}][m] (e_0 alone at k = 0), the loss lse(z) − z[y_k], the emission
 * gradients softmax(z) − onehot(y_k), which for k ≥ 1 are also the partials of transition row
 * y_{k−1}, each entry summed over k in order.
 */
final class MemmKernels extends TagPathLossKernels {
  MemmKernels(ParallelRows pool) {
    super(pool);
  }

  @Override
  long cost(int length, int tags) {
    return 30L * length * tags;
  }

  @Override
  double sequence(int thread, double[] e, int[] y, int length, int n, double[] trans,
      double[] gradients, double[] partials, int partialsOff) {
    double[] z = work(thread, n);
    double loss = 0;
    for (int k = 0; k < length; k++) {
      int previous = k == 0 ? -1 : y[k - 1];
      for (int m = 0; m < n; m++) {
        z[m] = e[k * n + m] + (previous < 0 ? 0 : trans[previous * n + m]);
      }
      double lse = logSumExp(z, 0, n);
      loss += lse - z[y[k]];
      for (int m = 0; m < n; m++) {
        double g = Math.exp(z[m] - lse) - (m == y[k] ? 1 : 0);
        gradients[k * n + m] = g;
        if (previous >= 0) {
          partials[partialsOff + previous * n + m] += g;
        }
      }
    }
    return loss;
  }
}
