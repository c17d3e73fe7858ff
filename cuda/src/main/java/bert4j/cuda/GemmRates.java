package bert4j.cuda;

import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * The matrix-product rate of a backend on BERT-base's dense-layer shapes (y = x·wᵀ with x
 * [rows, in], w [out, in]: q/k/v/output 768 → 768, intermediate 768 → 3072, output 3072 → 768), in
 * TFLOP/s, each shape timed as the median of repeated runs after a warm-up.
 */
final class GemmRates {
  /** (in, out) of the shapes, in the order of {@link #SHAPE_NAMES}. */
  static final int[][] SHAPES = {{768, 768}, {768, 3072}, {3072, 768}};
  static final String[] SHAPE_NAMES = {"768→768 (q, k, v, attention output)",
      "768→3072 (intermediate)", "3072→768 (output)"};

  private GemmRates() {}

  /**
   * TFLOP/s of {@code kernels.linear} on each shape at {@code rows} rows; {@code synchronize} waits
   * for the device and returns System.nanoTime().
   */
  static double[] ofKernels(Kernels kernels, int rows, int repeats, LongSupplier synchronize) {
    double[] rates = new double[SHAPES.length];
    try (Memory x = kernels.allocate((long) rows * 3072);
        Memory w = kernels.allocate(3072L * 768);
        Memory y = kernels.allocate((long) rows * 3072)) {
      kernels.fill(new Slice(x, 0), (long) rows * 3072, 0.01f);
      kernels.fill(new Slice(w, 0), 3072L * 768, 0.02f);
      for (int s = 0; s < SHAPES.length; s++) {
        int in = SHAPES[s][0];
        int out = SHAPES[s][1];
        Slice ys = new Slice(y, 0);
        rates[s] = rate(rows, in, out, repeats, synchronize, () -> kernels.linear(new Slice(x, 0),
            in, new Slice(w, 0), null, null, ys, ys, rows, in, out));
      }
    }
    return rates;
  }

  /** TFLOP/s of {@code product} (one rows × in × out product), median over {@code repeats}. */
  static double rate(int rows, int in, int out, int repeats, LongSupplier synchronize,
      Runnable product) {
    for (int i = 0; i < 3; i++) {
      product.run();
    }
    double[] seconds = new double[repeats];
    int inner = 10;
    for (int r = 0; r < repeats; r++) {
      long start = synchronize.getAsLong();
      for (int i = 0; i < inner; i++) {
        product.run();
      }
      seconds[r] = (synchronize.getAsLong() - start) / 1e9 / inner;
    }
    Arrays.sort(seconds);
    return 2.0 * rows * in * out / seconds[repeats / 2] / 1e12;
  }
}
