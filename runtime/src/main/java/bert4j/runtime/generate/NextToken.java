package bert4j.runtime.generate;

import bert4j.runtime.FloatTensor;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The distribution over the next token that the decoders read from one row of logits: token 0
 * (padding) is never a choice, nor the end token before the limits allow it. Arithmetic in double.
 */
final class NextToken {
  private NextToken() {}

  /** Whether {@code token} may come next, {@code generated} tokens into the output. */
  static boolean allowed(int token, DecodeLimits limits, int generated) {
    return token != 0 && (token != limits.endToken() || limits.endAllowedAfter(generated));
  }

  /** Log-softmax of row {@code row} over the allowed tokens; −∞ for the others. */
  static double[] logProbabilities(FloatTensor logits, int row, DecodeLimits limits, int generated) {
    int vocab = logits.shape()[1];
    float[] data = logits.data();
    int offset = row * vocab;
    double max = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < vocab; v++) {
      if (allowed(v, limits, generated)) {
        max = Math.max(max, data[offset + v]);
      }
    }
    double sum = 0;
    for (int v = 0; v < vocab; v++) {
      if (allowed(v, limits, generated)) {
        sum += Math.exp(data[offset + v] - max);
      }
    }
    double logSum = max + Math.log(sum);
    double[] out = new double[vocab];
    for (int v = 0; v < vocab; v++) {
      out[v] = allowed(v, limits, generated) ? data[offset + v] - logSum : Double.NEGATIVE_INFINITY;
    }
    return out;
  }

  /** The allowed token with the largest logit in row {@code row} (the smallest id on a tie). */
  static int argmax(FloatTensor logits, int row, DecodeLimits limits, int generated) {
    int vocab = logits.shape()[1];
    float[] data = logits.data();
    int best = -1;
    for (int v = 0; v < vocab; v++) {
      if (allowed(v, limits, generated) && (best < 0 || data[row * vocab + v] > data[row * vocab + best])) {
        best = v;
      }
    }
    return best;
  }

  /**
   * One token drawn from row {@code row} under {@code sampling}: softmax of logits / temperature over
   * the allowed tokens, cut to the top k, then to the top p, renormalised.
   */
  static int sample(FloatTensor logits, int row, DecodeLimits limits, int generated,
      Sampling sampling, SplittableRandom random) {
    int vocab = logits.shape()[1];
    float[] data = logits.data();
    int offset = row * vocab;
    Integer[] order = new Integer[vocab];
    int count = 0;
    for (int v = 0; v < vocab; v++) {
      if (allowed(v, limits, generated)) {
        order[count++] = v;
      }
    }
    Integer[] candidates = Arrays.copyOf(order, count);
    Arrays.sort(candidates, (a, b) -> data[offset + a] != data[offset + b]
        ? Float.compare(data[offset + b], data[offset + a]) : Integer.compare(a, b));
    double top = data[offset + candidates[0]];
    double[] weights = new double[count];
    for (int i = 0; i < count; i++) {
      weights[i] = Math.exp((data[offset + candidates[i]] - top) / sampling.temperature());
    }
    int kept = sampling.topK() == 0 ? count : Math.min(count, sampling.topK());
    double keptTotal = 0;
    for (int i = 0; i < kept; i++) {
      keptTotal += weights[i];
    }
    if (sampling.topP() < 1) {
      double cumulative = 0;
      for (int i = 0; i < kept; i++) {
        cumulative += weights[i];
        if (cumulative >= sampling.topP() * keptTotal) {
          kept = i + 1;
          keptTotal = cumulative;
          break;
        }
      }
    }
    double u = random.nextDouble() * keptTotal;
    for (int i = 0; i < kept - 1; i++) {
      u -= weights[i];
      if (u < 0) {
        return candidates[i];
      }
    }
    return candidates[kept - 1];
  }
}
