package bert4j.runtime.cpu;

import java.nio.FloatBuffer;

/**
 * Binary cross-entropy on one logit per row (ELECTRA's replaced-token detection), in double per
 * row: loss = max(z, 0) − t·z + log1p(e^−|z|) (softplus(z) − t·z without overflow), dLogits =
 * (σ(z) − t)·gradScale. Rows with target −1 contribute no loss and a zero gradient. The loss is
 * summed in row order on the calling thread, so it does not depend on the thread count. dLogits may
 * be the logits themselves.
 */
final class SigmoidCrossEntropyKernels {
  private final ParallelRows pool;

  private FloatBuffer logits;
  private FloatBuffer dLogits;
  private int logitsOff;
  private int dLogitsOff;
  private int[] targets;
  private float gradScale;
  private double[] rowLoss = new double[0];
  private final ParallelRows.Task rows = this::rows;

  SigmoidCrossEntropyKernels(ParallelRows pool) {
    this.pool = pool;
  }

  double run(FloatBuffer logits, int logitsOff, int[] targets, int count, FloatBuffer dLogits,
      int dLogitsOff, float gradScale) {
    if (rowLoss.length < count) {
      rowLoss = new double[count];
    }
    this.logits = logits;
    this.logitsOff = logitsOff;
    this.targets = targets;
    this.dLogits = dLogits;
    this.dLogitsOff = dLogitsOff;
    this.gradScale = gradScale;
    pool.run(count, 60, rows);
    this.logits = this.dLogits = null;
    this.targets = null;
    double loss = 0;
    for (int r = 0; r < count; r++) {
      loss += rowLoss[r];
    }
    return loss;
  }

  private void rows(int thread, int from, int to) {
    for (int r = from; r < to; r++) {
      int t = targets[r];
      if (t < 0) {
        rowLoss[r] = 0;
        dLogits.put(dLogitsOff + r, 0f);
        continue;
      }
      double z = logits.get(logitsOff + r);
      double e = Math.exp(-Math.abs(z));
      rowLoss[r] = Math.max(z, 0) - t * z + Math.log1p(e);
      double sigmoid = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      dLogits.put(dLogitsOff + r, (float) ((sigmoid - t) * gradScale));
    }
  }
}
