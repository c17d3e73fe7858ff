package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The dense backward's own parts against double-precision references: dBias's column sums over
 * several blocks of columns and a ragged last one, at offsets (added to what the sums held, or
 * written over them; the same bits from one thread as from two), and dx = dPre·w by oneDNN in column blocks with w packed (from
 * {@link LinearKernels#PACK_MIN_ROWS} rows), written or added, into a strided dx.
 */
class LinearKernelsTest {
  private static final int ROWS = 53;
  private static final int WIDTH = 2 * LinearKernels.SUM_BLOCK_COLUMNS + 44;
  private static final int OFFSET = 3;

  @Test
  void columnSumsOverBlocksMatchTheReferenceOnAnyThreads() {
    SplittableRandom random = new SplittableRandom(11);
    float[] matrix = new float[OFFSET + ROWS * WIDTH];
    for (int i = 0; i < matrix.length; i++) {
      matrix[i] = (float) (random.nextDouble() * 2 - 1);
    }
    float[] before = new float[OFFSET + WIDTH];
    for (int j = 0; j < before.length; j++) {
      before[j] = j;
    }
    for (boolean accumulate : new boolean[] {true, false}) {
      float[][] results = new float[2][before.length];
      for (int threads = 1; threads <= 2; threads++) {
        try (ParallelRows pool = new ParallelRows(threads)) {
          LinearKernels kernels = new LinearKernels(pool, null, null);
          CpuWindow sums = window(before, pool);
          kernels.columnSums(window(matrix, pool), OFFSET, ROWS, WIDTH, sums, OFFSET, accumulate);
          sums.floats().get(0, results[threads - 1]);
        }
      }
      assertArrayEquals(results[0], results[1], "one thread and two give the same bits");
      for (int j = 0; j < OFFSET; j++) {
        assertEquals(before[j], results[1][j], "nothing written before the offset");
      }
      for (int j = 0; j < WIDTH; j++) {
        double want = accumulate ? before[OFFSET + j] : 0;
        for (int r = 0; r < ROWS; r++) {
          want += matrix[OFFSET + r * WIDTH + j];
        }
        assertEquals(want, results[1][OFFSET + j], 1e-4,
            (accumulate ? "added to " : "written over ") + "column " + j);
      }
    }
  }

  @Test
  void inputGradientWithPackedWeightsMatchesTheReference() {
    OneDnn dnnl = OneDnn.get();
    assumeTrue(dnnl != null, () -> "oneDNN not loadable here: " + OneDnn.failure());
    int rows = LinearKernels.PACK_MIN_ROWS + 37;
    int in = 150;
    int out = 70;
    int dxStride = in + 6;
    SplittableRandom random = new SplittableRandom(12);
    float[] dPre = new float[rows * out];
    float[] w = new float[out * in];
    float[] x = new float[rows * in];
    for (float[] a : new float[][] {dPre, w, x}) {
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) (random.nextDouble() * 2 - 1);
      }
    }
    float[] dxBefore = new float[rows * dxStride];
    for (int i = 0; i < dxBefore.length; i++) {
      dxBefore[i] = i % 5;
    }
    try (ParallelRows pool = new ParallelRows(2)) {
      OneDnnSgemm[] products = OneDnnSgemm.perThread(dnnl, pool.threads());
      try {
        LinearKernels kernels = new LinearKernels(pool, null, products);
        for (boolean accumulate : new boolean[] {false, true}) {
          CpuWindow dx = window(dxBefore, pool);
          kernels.backward(window(dPre, pool), 0, window(x, pool), 0, in, window(w, pool), 0, dx,
              0, dxStride, accumulate, window(new float[out * in], pool), 0, null, 0, true, rows,
              in, out);
          for (int r = 0; r < rows; r++) {
            for (int c = 0; c < dxStride; c++) {
              double want = c < in && !accumulate ? 0 : dxBefore[r * dxStride + c];
              if (c < in) {
                for (int o = 0; o < out; o++) {
                  want += (double) dPre[r * out + o] * w[o * in + c];
                }
              }
              assertEquals(want, dx.floats().get(r * dxStride + c), 1e-4,
                  (accumulate ? "added" : "written") + " dx[" + r + ", " + c + "]");
            }
          }
        }
      } finally {
        for (OneDnnSgemm p : products) {
          p.close();
        }
      }
    }
  }

  private static CpuWindow window(float[] values, ParallelRows pool) {
    return new CpuWindow(buffer(values), values.length, pool.threads());
  }

  private static FloatBuffer buffer(float[] values) {
    FloatBuffer b = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder())
        .asFloatBuffer();
    b.put(values).flip();
    return b;
  }
}
