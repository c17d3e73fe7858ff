package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.KernelTesting.assertClose;
import static bert4j.runtime.kernels.contract.KernelTesting.assertGradient;
import static bert4j.runtime.kernels.contract.KernelTesting.doubles;
import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.gradient;
import static bert4j.runtime.kernels.contract.KernelTesting.minus;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.relativeError;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.kernels.Slice;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * hierarchicalPositions and its backward against bert4keras's formula in double and its finite
 * differences: out and dTable accumulate; positions below the table's rows get exactly E[p]; and
 * the table gradient is the same bit for bit on every run.
 */
public abstract class HierarchicalPositionsContract extends KernelsContract {
  private static final int WIDTH = 5;

  /**
   * out[b·seq + p] = α·E′[p / rows] + (1 − α)·E′[p mod rows] with E′ = (E − α·E[0])/(1 − α), as
   * bert4keras's HierarchicalPositionEmbedding computes it.
   */
  static double[] positions(int batch, int seq, double[] table, int rows, int width,
      double alpha) {
    double[] scaled = new double[rows * width];
    for (int t = 0; t < rows; t++) {
      for (int c = 0; c < width; c++) {
        scaled[t * width + c] = (table[t * width + c] - alpha * table[c]) / (1 - alpha);
      }
    }
    double[] out = new double[batch * seq * width];
    for (int b = 0; b < batch; b++) {
      for (int p = 0; p < seq; p++) {
        for (int c = 0; c < width; c++) {
          out[(b * seq + p) * width + c] = alpha * scaled[p / rows * width + c]
              + (1 - alpha) * scaled[p % rows * width + c];
        }
      }
    }
    return out;
  }

  /** out starts random: the positions are added. seq 16 = rows² is the longest a table allows. */
  @ParameterizedTest(name = "batch {0}, seq {1}, rows {2}, alpha {3}")
  @CsvSource({"2, 16, 4, 0.4", "3, 11, 4, 0.9", "1, 7, 7, 0.1"})
  void forwardMatchesNaive(int batch, int seq, int rows, float alpha) {
    Random random = new Random(1);
    float[] table = uniform(random, rows * WIDTH);
    float[] before = uniform(random, batch * seq * WIDTH);
    Slice out = put(kernels, before);
    kernels.hierarchicalPositions(batch, seq, put(kernels, table), rows, WIDTH, alpha, out);
    double[] want = positions(batch, seq, doubles(table), rows, WIDTH, alpha);
    for (int i = 0; i < want.length; i++) {
      want[i] += before[i];
    }
    assertClose(want, get(kernels, out, want.length), 1e-5, "out");
  }

  /** Below the table's rows the embedding is the table itself, exactly. */
  @Test
  void positionsWithinTheTableAddExactlyItsRows() {
    Random random = new Random(2);
    int batch = 2;
    int rows = 6;
    int seq = 5;
    float[] table = uniform(random, rows * WIDTH);
    float[] before = uniform(random, batch * seq * WIDTH);
    Slice out = put(kernels, before);
    kernels.hierarchicalPositions(batch, seq, put(kernels, table), rows, WIDTH, 0.4f, out);
    float[] want = new float[before.length];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < seq * WIDTH; i++) {
        want[b * seq * WIDTH + i] = before[b * seq * WIDTH + i] + table[i];
      }
    }
    assertArrayEquals(want, get(kernels, out, want.length));
  }

  /** dTable starts random and accumulates; rows no position reaches get nothing. */
  @ParameterizedTest(name = "batch {0}, seq {1}, rows {2}, alpha {3}")
  @CsvSource({"2, 13, 4, 0.4", "2, 16, 4, 0.7", "3, 3, 5, 0.4"})
  void backwardMatchesFiniteDifferences(int batch, int seq, int rows, float alpha) {
    Random random = new Random(3);
    float[] table = uniform(random, rows * WIDTH);
    float[] w = uniform(random, batch * seq * WIDTH);
    float[] before = uniform(random, rows * WIDTH);
    Slice dTable = put(kernels, before);
    kernels.hierarchicalPositionsBackward(batch, seq, put(kernels, w), rows, WIDTH, alpha, dTable);
    double[] want = gradient(t -> KernelTesting.dot(w, positions(batch, seq, t, rows, WIDTH,
        alpha)), doubles(table));
    assertGradient(want, minus(get(kernels, dTable, rows * WIDTH), before), "dTable");
  }

  /**
   * A long sequence over a table of 30 rows, several column blocks wide: the gradient matches the
   * closed form and is the same bit for bit on every run.
   */
  @Test
  void backwardIsReproducibleOnALargerCase() {
    Random random = new Random(4);
    int batch = 3;
    int seq = 700;
    int rows = 30;
    int width = 200;
    float alpha = 0.4f;
    float[] dOut = uniform(random, batch * seq * width);
    Slice dOutSlice = put(kernels, dOut);
    float[] first = null;
    for (int run = 0; run < 3; run++) {
      Slice dTable = put(kernels, new float[rows * width]);
      kernels.hierarchicalPositionsBackward(batch, seq, dOutSlice, rows, width, alpha, dTable);
      float[] got = get(kernels, dTable, rows * width);
      if (first == null) {
        first = got;
      } else {
        assertArrayEquals(first, got, "run " + run);
      }
    }
    double k = alpha / (1.0 - alpha);
    double[] want = new double[rows * width];
    for (int b = 0; b < batch; b++) {
      for (int p = 0; p < seq; p++) {
        for (int c = 0; c < width; c++) {
          double g = dOut[(b * seq + p) * width + c];
          want[p % rows * width + c] += g;
          want[p / rows * width + c] += k * g;
          want[c] -= k * g;
        }
      }
    }
    double error = relativeError(want, first);
    assertTrue(error < 1e-6, "dTable: relative error " + error);
  }
}
