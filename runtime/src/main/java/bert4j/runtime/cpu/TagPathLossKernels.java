package bert4j.runtime.cpu;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * What the tag-path losses ({@link CrfKernels}, {@link MemmKernels}) share: one task per sequence,
 * which gathers the sequence's non-padding positions, their emissions (in double) and gold tags,
 * lets the subclass compute the loss, the unscaled emission gradients and the sequence's transition
 * partials in double, and writes dEmissions (0 at padding rows). The calling thread then adds the
 * sequences' losses and transition partials in sequence order, so the result is the same on any
 * number of threads.
 */
abstract class TagPathLossKernels {
  private final ParallelRows pool;
  private final ParallelRows.Task sequences = this::sequences;
  /** Per thread: the sequence's emissions [length, tags], gradients, positions and gold tags. */
  private final double[][] emissionRows;
  private final double[][] gradientRows;
  private final int[][] positions;
  private final int[][] gold;
  /** Per thread, the subclass's work array. */
  private final double[][] work;

  private FloatBuffer emissions;
  private FloatBuffer dEmissions;
  private int emissionsOff;
  private int dEmissionsOff;
  private int[] tags;
  private int[] tokenIds;
  private int seq;
  private int tagCount;
  private float gradScale;
  /** The transitions in double, [tags, tags]. */
  private double[] transitions = new double[0];
  /** Each sequence's transition partials, [batch, tags, tags], and loss. */
  private double[] partials = new double[0];
  private double[] sequenceLoss = new double[0];

  TagPathLossKernels(ParallelRows pool) {
    this.pool = pool;
    int threads = pool.threads();
    emissionRows = new double[threads][0];
    gradientRows = new double[threads][0];
    positions = new int[threads][0];
    gold = new int[threads][0];
    work = new double[threads][0];
  }

  /**
   * The loss of one sequence of {@code length} ≥ 1 positions: from {@code emissions} [length, tags]
   * and {@code gold} tags, it writes the unscaled gradient of each emission into {@code gradients}
   * and adds that of each transition into {@code partials} from {@code partialsOff} (zeroed), using
   * {@code thread}'s {@link #work} array.
   */
  abstract double sequence(int thread, double[] emissions, int[] gold, int length, int tags,
      double[] transitions, double[] gradients, double[] partials, int partialsOff);

  /** The work operations of one sequence of {@code length} positions, for splitting the batch. */
  abstract long cost(int length, int tags);

  /** Thread {@code thread}'s work array, at least n long. */
  final double[] work(int thread, int n) {
    if (work[thread].length < n) {
      work[thread] = new double[n];
    }
    return work[thread];
  }

  /** Runs the loss over the batch: returns Σ of the sequences' losses, writes the gradients. */
  final double run(FloatBuffer emissions, int emissionsOff, FloatBuffer transitionsIn,
      int transitionsOff, int[] tags, int[] tokenIds, int batch, int seq, int tagCount,
      FloatBuffer dEmissions, int dEmissionsOff, FloatBuffer dTransitions, int dTransitionsOff,
      float gradScale) {
    int square = tagCount * tagCount;
    if (transitions.length < square) {
      transitions = new double[square];
    }
    for (int q = 0; q < square; q++) {
      transitions[q] = transitionsIn.get(transitionsOff + q);
    }
    if (partials.length < batch * square) {
      partials = new double[batch * square];
    }
    if (sequenceLoss.length < batch) {
      sequenceLoss = new double[batch];
    }
    this.emissions = emissions;
    this.emissionsOff = emissionsOff;
    this.dEmissions = dEmissions;
    this.dEmissionsOff = dEmissionsOff;
    this.tags = tags;
    this.tokenIds = tokenIds;
    this.seq = seq;
    this.tagCount = tagCount;
    this.gradScale = gradScale;
    pool.run(batch, cost(seq, tagCount), sequences);
    this.emissions = this.dEmissions = null;
    this.tags = this.tokenIds = null;
    double loss = 0;
    for (int b = 0; b < batch; b++) {
      loss += sequenceLoss[b];
    }
    for (int q = 0; q < square; q++) {
      double sum = 0;
      for (int b = 0; b < batch; b++) {
        sum += partials[b * square + q];
      }
      int at = dTransitionsOff + q;
      dTransitions.put(at, dTransitions.get(at) + (float) (gradScale * sum));
    }
    return loss;
  }

  private void sequences(int thread, int from, int to) {
    int n = tagCount;
    if (positions[thread].length < seq) {
      positions[thread] = new int[seq];
      gold[thread] = new int[seq];
    }
    if (emissionRows[thread].length < seq * n) {
      emissionRows[thread] = new double[seq * n];
      gradientRows[thread] = new double[seq * n];
    }
    int[] at = positions[thread];
    int[] y = gold[thread];
    double[] e = emissionRows[thread];
    double[] g = gradientRows[thread];
    for (int b = from; b < to; b++) {
      int length = 0;
      for (int t = 0; t < seq; t++) {
        int r = b * seq + t;
        if (tokenIds[r] == 0) {
          for (int j = 0; j < n; j++) {
            dEmissions.put(dEmissionsOff + r * n + j, 0f);
          }
          continue;
        }
        for (int j = 0; j < n; j++) {
          e[length * n + j] = emissions.get(emissionsOff + r * n + j);
        }
        at[length] = t;
        y[length] = tags[r];
        length++;
      }
      int partialsOff = b * n * n;
      Arrays.fill(partials, partialsOff, partialsOff + n * n, 0);
      if (length == 0) {
        sequenceLoss[b] = 0;
        continue;
      }
      sequenceLoss[b] = sequence(thread, e, y, length, n, transitions, g, partials, partialsOff);
      for (int k = 0; k < length; k++) {
        int row = dEmissionsOff + (b * seq + at[k]) * n;
        for (int j = 0; j < n; j++) {
          dEmissions.put(row + j, (float) (gradScale * g[k * n + j]));
        }
      }
    }
  }

  /** log Σ_i e^(v[from + i]) over {@code count} terms: their max plus the log of the shifted sum. */
  static double logSumExp(double[] v, int from, int count) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < count; i++) {
      max = Math.max(max, v[from + i]);
    }
    double sum = 0;
    for (int i = 0; i < count; i++) {
      sum += Math.exp(v[from + i] - max);
    }
    return max + Math.log(sum);
  }
}
