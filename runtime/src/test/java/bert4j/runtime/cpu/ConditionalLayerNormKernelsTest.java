package bert4j.runtime.cpu;

import static bert4j.runtime.cpu.NormTestData.buffer;
import static bert4j.runtime.cpu.NormTestData.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The conditional layer norm backward over sequences of several blocks of rows and a ragged last
 * one, dH written over dOut: dH and each sequence's dγ and dβ (overwritten) against a
 * double-precision reference, and the same bits from one thread as from two.
 */
class ConditionalLayerNormKernelsTest {
  private static final int BATCH = 3;
  private static final int SEQ = 37;
  private static final int ROWS = BATCH * SEQ;
  private static final int WIDTH = 50;

  @Test
  void backwardOverBlocksMatchesTheReferenceAndIsTheSameOnAnyThreads() {
    SplittableRandom random = new SplittableRandom(5);
    float[] h = values(random, ROWS * WIDTH, 3);
    float[] dOut = values(random, ROWS * WIDTH, 1);
    float[] gammas = values(random, BATCH * WIDTH, 2);
    float[] stale = values(random, BATCH * WIDTH, 1);
    float[] mean = new float[ROWS];
    float[] rstd = new float[ROWS];
    NormTestData.statistics(h, ROWS, WIDTH, mean, rstd);
    float[][] results = new float[2][];
    for (int threads = 1; threads <= 2; threads++) {
      try (ParallelRows pool = new ParallelRows(threads)) {
        ConditionalLayerNormKernels kernels =
            new ConditionalLayerNormKernels(pool, Scratch.perThread(pool));
        FloatBuffer d = buffer(dOut);
        FloatBuffer dGammas = buffer(stale);
        FloatBuffer dBetas = buffer(stale);
        kernels.backward(d, 0, buffer(h), 0, buffer(mean), 0, buffer(rstd), 0, buffer(gammas), 0,
            d, 0, dGammas, 0, dBetas, 0, BATCH, SEQ, WIDTH);
        float[] all = new float[ROWS * WIDTH + 2 * BATCH * WIDTH];
        d.get(0, all, 0, ROWS * WIDTH);
        dGammas.get(0, all, ROWS * WIDTH, BATCH * WIDTH);
        dBetas.get(0, all, ROWS * WIDTH + BATCH * WIDTH, BATCH * WIDTH);
        results[threads - 1] = all;
      }
    }
    assertArrayEquals(results[0], results[1], "one thread and two give the same bits");
    float[] got = results[1];
    for (int b = 0; b < BATCH; b++) {
      for (int j = 0; j < WIDTH; j++) {
        double wantGamma = 0;
        double wantBeta = 0;
        for (int r = b * SEQ; r < (b + 1) * SEQ; r++) {
          double xhat = (h[r * WIDTH + j] - mean[r]) * rstd[r];
          wantGamma += dOut[r * WIDTH + j] * xhat;
          wantBeta += dOut[r * WIDTH + j];
        }
        int at = b * WIDTH + j;
        assertEquals(wantGamma, got[ROWS * WIDTH + at], 1e-4, "dGammas[" + b + ", " + j + "]");
        assertEquals(wantBeta, got[ROWS * WIDTH + BATCH * WIDTH + at], 1e-4,
            "dBetas[" + b + ", " + j + "]");
      }
    }
    for (int r = 0; r < ROWS; r++) {
      int b = r / SEQ;
      double meanG = 0;
      double meanGx = 0;
      for (int j = 0; j < WIDTH; j++) {
        double g = dOut[r * WIDTH + j] * gammas[b * WIDTH + j];
        meanG += g / WIDTH;
        meanGx += g * (h[r * WIDTH + j] - mean[r]) * rstd[r] / WIDTH;
      }
      for (int j = 0; j < WIDTH; j++) {
        double xhat = (h[r * WIDTH + j] - mean[r]) * rstd[r];
        double want = rstd[r]
            * (dOut[r * WIDTH + j] * gammas[b * WIDTH + j] - meanG - xhat * meanGx);
        assertEquals(want, got[r * WIDTH + j], 1e-4, "dH[" + r + ", " + j + "]");
      }
    }
  }
}
