package bert4j.runtime.cpu;

import java.nio.FloatBuffer;

/**
 * Softmax cross-entropy, one fused pass per row (in chunks): the max, Σ e^(x − max) with the
 * exponentials written straight into dLogits, then the loss log Σ + max − x[target] and dLogits =
 * (softmax − onehot)·gradScale. Rows with target −1 contribute no loss and a zero gradient. The loss
 * is summed in row order on the calling thread, so it does not depend on the thread count. dLogits may
 * be the logits themselves.
 */
final class CrossEntropyKernels {
  private final ParallelRows pool;
  private final Scratch[] scratch;

  private FloatBuffer logits;
  private FloatBuffer dLogits;
  private int logitsOff;
  private int dLogitsOff;
  private int[] targets;
  private int classes;
  private float gradScale;
  private double[] rowLoss = new double[0];
  private final ParallelRows.Task rows = this::rows;

  CrossEntropyKernels(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
  }

  double run(FloatBuffer logits, int logitsOff, int[] targets, int count, int classes,
      FloatBuffer dLogits, int dLogitsOff, float gradScale) {
    if (rowLoss.length < count) {
      rowLoss = new double[count];
    }
    this.logits = logits;
    this.logitsOff = logitsOff;
    this.targets = targets;
    this.classes = classes;
    this.dLogits = dLogits;
    this.dLogitsOff = dLogitsOff;
    this.gradScale = gradScale;
    pool.run(count, 12L * classes, rows);
    this.logits = this.dLogits = null;
    this.targets = null;
    double loss = 0;
    for (int r = 0; r < count; r++) {
      loss += rowLoss[r];
    }
    return loss;
  }

  private void rows(int thread, int from, int to) {
    Scratch s = scratch[thread];
    float[] x = s.a;
    int width = classes;
    for (int r = from; r < to; r++) {
      int in = logitsOff + r * width;
      int out = dLogitsOff + r * width;
      int target = targets[r];
      if (target < 0) {
        rowLoss[r] = 0;
        for (int c0 = 0; c0 < width; c0 += Scratch.CHUNK) {
          int n = Math.min(Scratch.CHUNK, width - c0);
          java.util.Arrays.fill(x, 0, n, 0f);
          dLogits.put(out + c0, x, 0, n);
        }
        continue;
      }
      float max = Float.NEGATIVE_INFINITY;
      for (int c0 = 0; c0 < width; c0 += Scratch.CHUNK) {
        int n = Math.min(Scratch.CHUNK, width - c0);
        logits.get(in + c0, x, 0, n);
        max = Math.max(max, FloatMath.max(x, n));
      }
      float targetLogit = logits.get(in + target);
      double sum = 0;
      for (int c0 = 0; c0 < width; c0 += Scratch.CHUNK) {
        int n = Math.min(Scratch.CHUNK, width - c0);
        logits.get(in + c0, x, 0, n);
        for (int j = 0; j < n; j++) {
          x[j] -= max;
        }
        FloatMath.exp(x, x, n, s);
        sum += FloatMath.sum(x, n);
        dLogits.put(out + c0, x, 0, n);
      }
      rowLoss[r] = Math.log(sum) + max - targetLogit;
      float scale = (float) (gradScale / sum);
      for (int c0 = 0; c0 < width; c0 += Scratch.CHUNK) {
        int n = Math.min(Scratch.CHUNK, width - c0);
        dLogits.get(out + c0, x, 0, n);
        for (int j = 0; j < n; j++) {
          x[j] *= scale;
        }
        dLogits.put(out + c0, x, 0, n);
      }
      dLogits.put(out + target, dLogits.get(out + target) - gradScale);
    }
  }
}
