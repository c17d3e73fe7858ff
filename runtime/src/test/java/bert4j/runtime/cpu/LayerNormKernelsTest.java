package bert4j.runtime.cpu;

import static bert4j.runtime.cpu.NormTestData.buffer;
import static bert4j.runtime.cpu.NormTestData.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The layer norm backward over several blocks of rows and a ragged last one, dH written over dOut:
 * dH, dγ and dβ against a double-precision reference (dγ and dβ added to what they held), and the
 * same bits from one thread as from two.
 */
class LayerNormKernelsTest {
  private static final int ROWS = 37;
  private static final int WIDTH = 50;

  @Test
  void backwardOverBlocksMatchesTheReferenceAndIsTheSameOnAnyThreads() {
    SplittableRandom random = new SplittableRandom(3);
    float[] h = values(random, ROWS * WIDTH, 3);
    float[] dOut = values(random, ROWS * WIDTH, 1);
    float[] gamma = values(random, WIDTH, 2);
    float[] before = values(random, WIDTH, 1);
    float[] mean = new float[ROWS];
    float[] rstd = new float[ROWS];
    NormTestData.statistics(h, ROWS, WIDTH, mean, rstd);
    float[][] results = new float[2][];
    for (int threads = 1; threads <= 2; threads++) {
      try (ParallelRows pool = new ParallelRows(threads)) {
        LayerNormKernels kernels = new LayerNormKernels(pool, Scratch.perThread(pool));
        FloatBuffer d = buffer(dOut);
        FloatBuffer dGamma = buffer(before);
        FloatBuffer dBeta = buffer(before);
        kernels.backward(d, 0, buffer(h), 0, buffer(mean), 0, buffer(rstd), 0, buffer(gamma), 0,
            d, 0, dGamma, 0, dBeta, 0, ROWS, WIDTH);
        float[] all = new float[ROWS * WIDTH + 2 * WIDTH];
        d.get(0, all, 0, ROWS * WIDTH);
        dGamma.get(0, all, ROWS * WIDTH, WIDTH);
        dBeta.get(0, all, ROWS * WIDTH + WIDTH, WIDTH);
        results[threads - 1] = all;
      }
    }
    assertArrayEquals(results[0], results[1], "one thread and two give the same bits");
    float[] got = results[1];
    for (int j = 0; j < WIDTH; j++) {
      double wantGamma = before[j];
      double wantBeta = before[j];
      for (int r = 0; r < ROWS; r++) {
        double xhat = (h[r * WIDTH + j] - mean[r]) * rstd[r];
        wantGamma += dOut[r * WIDTH + j] * xhat;
        wantBeta += dOut[r * WIDTH + j];
      }
      assertEquals(wantGamma, got[ROWS * WIDTH + j], 1e-4, "dGamma[" + j + "]");
      assertEquals(wantBeta, got[ROWS * WIDTH + WIDTH + j], 1e-4, "dBeta[" + j + "]");
    }
    for (int r = 0; r < ROWS; r++) {
      double meanG = 0;
      double meanGx = 0;
      for (int j = 0; j < WIDTH; j++) {
        double g = dOut[r * WIDTH + j] * gamma[j];
        meanG += g / WIDTH;
        meanGx += g * (h[r * WIDTH + j] - mean[r]) * rstd[r] / WIDTH;
      }
      for (int j = 0; j < WIDTH; j++) {
        double xhat = (h[r * WIDTH + j] - mean[r]) * rstd[r];
        double want = rstd[r] * (dOut[r * WIDTH + j] * gamma[j] - meanG - xhat * meanGx);
        assertEquals(want, got[r * WIDTH + j], 1e-4, "dH[" + r + ", " + j + "]");
      }
    }
  }
}
