package bert4j.runtime.cpu;

import bert4j.dsl.Activation;
import java.nio.FloatBuffer;

/**
 * Dense layers: pre = x·wᵀ + bias by oneDNN's matmul where oneDNN loaded, else by one multi-threaded
 * OpenBLAS sgemm and the bias in the epilogue; a single row (a decoding step's) by OpenBLAS's sgemv
 * (OpenBLAS's sgemm with one row took 6–15 ms for a 3072 × 768 weight against 0.7–2.4 ms for sgemv,
 * on 2 busy cores); then the activation epilogue, or, where pre is out (a model created for inference
 * keeps no pre), oneDNN applies the activation as it writes the product. The backward is
 * dx = dPre·w (oneDNN in column blocks on the pool, w packed per call from {@link #PACK_MIN_ROWS}
 * rows; OpenBLAS without oneDNN), dw += dPreᵀ·x (OpenBLAS) and reproducible column sums for dBias
 * ({@link #columnSums}).
 * Arguments are checked by {@link CpuKernels}.
 *
 * <p>oneDNN's products run on the backend's own pool: the output columns are cut into one block per
 * pool thread and each thread runs its block with its own single-threaded {@link OneDnnSgemm}, so
 * the whole forward has one set of threads. With oneDNN's OpenMP team doing the split, its thread
 * slept between products (bert4j's workers need the cores in between) and woke slowly once the
 * cores had been idle: BERT-base at 1 × 128 took 96–104 ms after a 200 ms pause against 76–80 back
 * to back, and bert4j / ONNX Runtime at 1 × 128 was 1.15; on the one pool 78 and 74 ms, and 0.89
 * ({@code OrtBenchmark}, AMD EPYC Zen 5, 2 cores, 2026-12-01).
 */
final class LinearKernels {
  /** Columns of dPre summed for dBias by one sgemv: a multiple of 16, and fixed for reproducibility. */
  static final int SUM_BLOCK_COLUMNS = 128;

  private final ParallelRows pool;
  private final ActivationKernels activations;
  /** Narrowest column block worth a thread of its own. */
  private static final int MIN_BLOCK_COLUMNS = 64;
  /**
   * From this many rows on, the backward's dx = dPre·w packs w into oneDNN's own layout right before
   * each product ({@link OneDnnSgemm}); below it the packing costs more than it saves. (The forward
   * keeps the weights as they lie: packed, BERT-base's training forward at 8 × 128 read 505–533
   * against 495–539 ms, alternating in one JVM.)
   */
  static final int PACK_MIN_ROWS = 512;

  /**
   * Where oneDNN loaded, each pool thread's single-threaded products ({@link OneDnnSgemm}); else
   * null: OpenBLAS.
   */
  private final OneDnnSgemm[] products;

  private CpuWindow sumMatrix;
  private int sumMatrixOff;
  private int sumRows;
  private int sumWidth;
  private CpuWindow sums;
  private int sumsOff;
  /** Zeros for {@link #zero}, grown to the longest run written yet (at most 2^14). */
  private float[] zeros = new float[0];
  /** {@link #columnSums}' vector of ones, at least as long as the most rows summed yet. */
  private FloatBuffer ones = Blas.ones(0);
  private int rows;
  private final ParallelRows.Task columnSums = this::columnSumBlocks;
  private final ParallelRows.Task productBlocks = this::productBlocks;
  private final ParallelRows.Task inputGradientBlocks = this::inputGradientBlocks;
  private CpuWindow x;
  private CpuWindow w;
  private CpuWindow bias;
  private CpuWindow y;
  private int xOff;
  private int xStride;
  private int wOff;
  private int biasOff;
  private int yOff;
  private int in;
  private int outWidth;
  private int blockColumns;
  private Activation activation;
  private CpuWindow dPre;
  private int dPreOff;
  private CpuWindow dx;
  private int dxOff;
  private int dxStride;
  private boolean accumulateDx;

  LinearKernels(ParallelRows pool, ActivationKernels activations, OneDnnSgemm[] products) {
    this.pool = pool;
    this.activations = activations;
    this.products = products;
  }

  void forward(CpuWindow x, int xOff, int xStride, CpuWindow w, int wOff, CpuWindow bias, int biasOff,
      Activation activation, CpuWindow pre, int preOff, CpuWindow out, int outOff, int rows, int in,
      int outWidth) {
    if (rows == 0) {
      return;
    }
    boolean biasAdded = false;
    if (rows == 1) {
      Blas.gemv(outWidth, in, w.view(0, 1, wOff), in, x.view(0, 0, xOff), pre.view(0, 2, preOff));
    } else if (products != null && pre == out && preOff == outOff) {
      product(x, xOff, xStride, w, wOff, bias, biasOff, activation, out, outOff, rows, in,
          outWidth);
      return;
    } else if (products != null) {
      product(x, xOff, xStride, w, wOff, bias, biasOff, null, pre, preOff, rows, in, outWidth);
      biasAdded = true;
    } else {
      Blas.gemm(false, true, rows, outWidth, in, 1f, x.view(0, 0, xOff), xStride,
          w.view(0, 1, wOff), in, 0f, pre.view(0, 2, preOff), outWidth);
    }
    activations.epilogue(pre, preOff, bias == null || biasAdded ? null : bias, biasOff, activation,
        out, outOff, rows, outWidth);
  }

  /**
   * y = activation(x·wᵀ + bias) by oneDNN, the output columns in one block per pool thread
   * ({@link #blockColumns}).
   */
  private void product(CpuWindow x, int xOff, int xStride, CpuWindow w, int wOff, CpuWindow bias,
      int biasOff, Activation activation, CpuWindow y, int yOff, int rows, int in, int outWidth) {
    this.x = x;
    this.xOff = xOff;
    this.xStride = xStride;
    this.w = w;
    this.wOff = wOff;
    this.bias = bias;
    this.biasOff = biasOff;
    this.activation = activation;
    this.y = y;
    this.yOff = yOff;
    this.rows = rows;
    this.in = in;
    this.outWidth = outWidth;
    this.blockColumns = blockColumns(outWidth, pool.threads());
    try {
      pool.run((outWidth + blockColumns - 1) / blockColumns, 2L * rows * in * blockColumns,
          productBlocks);
    } finally {
      this.x = this.w = this.bias = this.y = null;
    }
  }

  /**
   * The width of the column blocks a product of {@code outWidth} columns is cut into, one block per
   * thread (also the reduced-precision products'): a multiple of 16, none narrower than
   * {@link #MIN_BLOCK_COLUMNS} but the last.
   */
  static int blockColumns(int outWidth, int threads) {
    int blocks = Math.max(1, Math.min(threads, outWidth / MIN_BLOCK_COLUMNS));
    return ((outWidth + blocks - 1) / blocks + 15) / 16 * 16;
  }

  private void productBlocks(int thread, int from, int to) {
    for (int block = from; block < to; block++) {
      int c0 = block * blockColumns;
      products[thread].linear(x, xOff, xStride, w, wOff + c0 * in, bias, biasOff + c0, activation,
          y, yOff + c0, outWidth, rows, in, Math.min(blockColumns, outWidth - c0));
    }
  }

  void backward(CpuWindow dPre, int dPreOff, CpuWindow x, int xOff, int xStride, CpuWindow w,
      int wOff, CpuWindow dx, int dxOff, int dxStride, boolean accumulateDx, CpuWindow dw, int dwOff,
      CpuWindow dBias, int dBiasOff, boolean accumulateParams, int rows, int in, int outWidth) {
    if (rows == 0) {
      if (!accumulateParams) {
        zero(dw.floats(), dwOff, (long) outWidth * in);
        if (dBias != null) {
          zero(dBias.floats(), dBiasOff, outWidth);
        }
      }
      return;
    }
    if (dx != null && products != null) {
      inputGradient(dPre, dPreOff, w, wOff, dx, dxOff, dxStride, accumulateDx, rows, in, outWidth);
    } else if (dx != null) {
      Blas.gemm(false, false, rows, in, outWidth, 1f, dPre.view(0, 0, dPreOff), outWidth,
          w.view(0, 1, wOff), in, accumulateDx ? 1f : 0f, dx.view(0, 2, dxOff), dxStride);
    }
    Blas.gemm(true, false, outWidth, in, rows, 1f, dPre.view(0, 0, dPreOff), outWidth,
        x.view(0, 1, xOff), xStride, accumulateParams ? 1f : 0f, dw.view(0, 2, dwOff), in);
    if (dBias != null) {
      columnSums(dPre, dPreOff, rows, outWidth, dBias, dBiasOff, accumulateParams);
    }
  }

  /**
   * {@code count} zeros from {@code off}: a gradient overwritten by a sum (over zero rows, or
   * before the column sums add to it).
   */
  private void zero(FloatBuffer floats, int off, long count) {
    if (zeros.length < Math.min(count, 1 << 14)) {
      zeros = new float[(int) Math.min(count, 1 << 14)];
    }
    for (long done = 0; done < count; done += zeros.length) {
      floats.put(off + (int) done, zeros, 0, (int) Math.min(zeros.length, count - done));
    }
  }

  /**
   * dx = dPre·w (plus dx's values where {@code accumulate}) by oneDNN, dx's columns in one block per
   * pool thread, each thread's block of w packed before its product from {@link #PACK_MIN_ROWS}
   * rows on: 374–386 against OpenBLAS's 335–363 GFLOP/s on BERT-base's shapes at 1,024 rows (w as
   * it lies, oneDNN read 283–382); in the training step at 8 × 128 the dense backward took
   * 1,017–1,094 against 1,067–1,122 ms with OpenBLAS's dx (alternating in one JVM).
   */
  private void inputGradient(CpuWindow dPre, int dPreOff, CpuWindow w, int wOff, CpuWindow dx,
      int dxOff, int dxStride, boolean accumulate, int rows, int in, int outWidth) {
    this.dPre = dPre;
    this.dPreOff = dPreOff;
    this.w = w;
    this.wOff = wOff;
    this.dx = dx;
    this.dxOff = dxOff;
    this.dxStride = dxStride;
    this.accumulateDx = accumulate;
    this.rows = rows;
    this.in = in;
    this.outWidth = outWidth;
    this.blockColumns = blockColumns(in, pool.threads());
    try {
      pool.run((in + blockColumns - 1) / blockColumns, 2L * rows * outWidth * blockColumns,
          inputGradientBlocks);
    } finally {
      this.dPre = this.w = this.dx = null;
    }
  }

  private void inputGradientBlocks(int thread, int from, int to) {
    for (int block = from; block < to; block++) {
      int c0 = block * blockColumns;
      products[thread].gemm(false, false, rows, Math.min(blockColumns, in - c0), outWidth, 1f,
          dPre, dPreOff, outWidth, w, wOff + c0, in, accumulateDx, dx, dxOff + c0, dxStride,
          rows >= PACK_MIN_ROWS);
    }
  }

  /**
   * sums[j] += Σ_r matrix[r, j] (or = where not {@code accumulate}), the columns cut into fixed
   * blocks of {@link #SUM_BLOCK_COLUMNS}, each block summed over every row by one single-threaded
   * OpenBLAS sgemv (matrixᵀ·1, streaming the rows in order) on a pool thread. The blocks are fixed by
   * width, not by thread, so the sums are the same bits on any thread count. In rows of 16 summed in
   * Java and the row blocks then added in order, the same sums took 0.30–0.71 ms against 0.14–0.35
   * for 1,024 rows of 2,304 or 3,072 (AMD EPYC Zen 5, 2 threads, 2026-12-01), and BERT-base's
   * training step at 8 × 128 spent 18 ms a step on them.
   */
  void columnSums(CpuWindow matrix, int matrixOff, int rows, int width, CpuWindow sums, int sumsOff,
      boolean accumulate) {
    if (!accumulate) {
      zero(sums.floats(), sumsOff, width);
    }
    if (rows == 0 || width == 0) {
      return;
    }
    if (ones.capacity() < rows) {
      ones = Blas.ones(rows);
    }
    this.sumMatrix = matrix;
    this.sumMatrixOff = matrixOff;
    this.sumRows = rows;
    this.sumWidth = width;
    this.sums = sums;
    this.sumsOff = sumsOff;
    try {
      Blas.inWorkers(pool, (width + SUM_BLOCK_COLUMNS - 1) / SUM_BLOCK_COLUMNS,
          (long) rows * SUM_BLOCK_COLUMNS, columnSums);
    } finally {
      this.sumMatrix = this.sums = null;
    }
  }

  private void columnSumBlocks(int thread, int from, int to) {
    for (int block = from; block < to; block++) {
      int c0 = block * SUM_BLOCK_COLUMNS;
      Blas.addColumnSums(sumRows, Math.min(SUM_BLOCK_COLUMNS, sumWidth - c0),
          sumMatrix.view(thread, 0, sumMatrixOff + c0), sumWidth, ones,
          sums.view(thread, 2, sumsOff + c0));
    }
  }
}
