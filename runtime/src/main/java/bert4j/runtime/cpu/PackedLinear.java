package bert4j.runtime.cpu;

import static bert4j.runtime.cpu.OneDnn.check;

import bert4j.dsl.Activation;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Linear layers act(x·wᵀ + bias) in bf16 or int8 through oneDNN's matmul primitive, for inference,
 * the bias and activation applied by oneDNN as it writes the product, on weights packed once
 * ({@link PackedWeights}). Everything runs on the backend's own pool, each thread with its own
 * single-threaded primitives ({@link ReducedPrecisionProducts}): first the activations are converted
 * by rows (to bf16, or to int8 with one scale for the matrix, max |x| / 127, found in Java; oneDNN
 * 3.8's int8 matmul refuses per-row source scales here, status 3), then the output columns are cut
 * into one block per thread ({@link LinearKernels#blockColumns}), each block's weights packed
 * apart. On oneDNN's OpenMP team instead, its thread slept between products while bert4j's workers
 * ran the rest of the layer, and woke slowly: the same products with 0.5 ms of other work between
 * them ran 5–15 % slower on the team than in blocks (AMD EPYC Zen 5, 2 cores, 2026-12-01). The
 * packed layout is chosen per block shape at the first row count seen and kept for every other; a
 * shape oneDNN cannot run in that layout returns false, and the caller runs it in float32.
 */
final class ReducedPrecisionLinear implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ReducedPrecisionLinear.class.getName());

  private final Precision precision;
  private final long engine;
  private final ParallelRows pool;
  private final int lowBytes;
  private final PackedWeights weights;
  private final ReducedPrecisionProducts[] products;
  private final Map<Product, Long> layouts = new HashMap<>();
  /** The matmul descriptors whose weights layouts {@link #layouts} holds (they own them). */
  private final List<Long> layoutOwners = new ArrayList<>();
  /** Block shapes oneDNN has no primitive for (each logged once). */
  private final Set<ReducedPrecisionProducts.Block> unsupported = new HashSet<>();
  private ByteBuffer lowSource = ByteBuffer.allocateDirect(0);
  private long lowSourceAddress;
  /** The int8 source's one scale, where oneDNN reads it, and the oneDNN memory over it. */
  private final FloatBuffer sourceScale =
      ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).asFloatBuffer();
  private final long sourceScaleMemory;
  private final float[] threadMax;
  private float[][] rowFloats;

  private FloatBuffer job;
  private int jobOffset;
  private int jobStride;
  private int jobWidth;
  private final ParallelRows.Task absoluteMax = this::absoluteMaxRows;

  /** The current product, for the pool's tasks. */
  private long xAddress;
  private int xStride;
  private int in;
  private int blockColumns;
  private long yAddress;
  private long biasAddress;
  private final ReducedPrecisionProducts.Block[] blocks;
  private final long[] blockLayouts;
  private final PackedWeights.Packed[] blockWeights;
  private final ParallelRows.Task convertRows = this::convertRows;
  private final ParallelRows.Task productBlocks = this::productBlocks;

  ReducedPrecisionLinear(Precision precision, OneDnn dnnl, ParallelRows pool) {
    if (precision == Precision.FLOAT32) {
      throw new IllegalArgumentException("ReducedPrecisionLinear is for BF16 or INT8, not FLOAT32");
    }
    this.precision = precision;
    this.engine = dnnl.engine();
    this.pool = pool;
    this.lowBytes = precision == Precision.BF16 ? 2 : 1;
    int threads = pool.threads();
    this.rowFloats = new float[threads][0];
    this.threadMax = new float[threads];
    this.weights = new PackedWeights(precision, engine, threads);
    if (precision == Precision.INT8) {
      long scaleDesc = OneDnn.descriptor(new long[] {1}, OneDnnNative.F32, new long[] {1});
      this.sourceScaleMemory = OneDnn.memory(engine, scaleDesc,
          Pointer.nativeValue(Native.getDirectBufferPointer(sourceScale)));
      OneDnnNative.dnnl_memory_desc_destroy(scaleDesc);
    } else {
      this.sourceScaleMemory = 0;
    }
    this.products = new ReducedPrecisionProducts[threads];
    for (int t = 0; t < threads; t++) {
      products[t] = new ReducedPrecisionProducts(precision, engine, sourceScaleMemory);
    }
    this.blocks = new ReducedPrecisionProducts.Block[threads];
    this.blockLayouts = new long[threads];
    this.blockWeights = new PackedWeights.Packed[threads];
  }

  /** Records that {@code window} was written: weights prepared from it are stale. */
  void written(CpuWindow window) {
    weights.written(window);
  }

  /** How many weight matrices (column blocks) are held prepared. */
  int preparedCount() {
    return weights.count();
  }

  /**
   * y[rows, outWidth] = activation(x·wᵀ + bias), x {@code [rows, in]} with row stride
   * {@code xStride}, w {@code [outWidth, in]}, bias {@code [outWidth]} or null, activation null for
   * none (oneDNN's eltwise post-op, as {@link OneDnnSgemm#linear}); false (nothing written) where
   * oneDNN cannot run this shape.
   */
  boolean forward(CpuWindow x, int xOff, int xStride, CpuWindow w, int wOff, CpuWindow bias,
      int biasOff, Activation activation, CpuWindow y, int yOff, int rows, int in, int outWidth) {
    int columns = LinearKernels.blockColumns(outWidth, pool.threads());
    int count = (outWidth + columns - 1) / columns;
    for (int b = 0; b < count; b++) {
      int c0 = b * columns;
      ReducedPrecisionProducts.Block block = new ReducedPrecisionProducts.Block(rows, in,
          Math.min(columns, outWidth - c0), outWidth, bias != null, activation);
      long layout = layout(block);
      if (layout == 0 || !products[0].supports(block, layout)) {
        if (unsupported.add(block)) {
          LOG.info(() -> "bert4j: oneDNN has no " + precision + " matmul for " + block.rows()
              + " × " + block.in() + " × " + block.columns() + " in the packed layout; that shape"
              + " runs in float32");
        }
        return false;
      }
      blocks[b] = block;
      blockLayouts[b] = layout;
      blockWeights[b] = weights.get(w, wOff + c0 * in, in, block.columns(), layout);
    }
    ensureLowSource((long) rows * in * lowBytes);
    if (precision == Precision.INT8) {
      float max = absoluteMax(x.floats(), xOff, xStride, rows, in);
      sourceScale.put(0, max > 0f ? max / 127f : 1f);
    }
    this.xAddress = x.address() + 4L * xOff;
    this.xStride = xStride;
    this.in = in;
    this.blockColumns = columns;
    this.yAddress = y.address() + 4L * yOff;
    this.biasAddress = bias == null ? 0 : bias.address() + 4L * biasOff;
    try {
      pool.run(rows, 2L * in, convertRows);
      pool.run(count, 2L * rows * in * columns, productBlocks);
    } finally {
      Arrays.fill(blockWeights, null);
    }
    return true;
  }

  private void convertRows(int thread, int from, int to) {
    products[thread].convert(xAddress + 4L * from * xStride, xStride, to - from, in,
        lowSourceAddress + (long) from * in * lowBytes);
  }

  private void productBlocks(int thread, int from, int to) {
    for (int b = from; b < to; b++) {
      long c0 = (long) b * blockColumns;
      PackedWeights.Packed packed = blockWeights[b];
      products[thread].multiply(blocks[b], blockLayouts[b], lowSourceAddress, packed.memory(),
          packed.scales(), biasAddress == 0 ? 0 : biasAddress + 4 * c0, yAddress + 4 * c0);
    }
  }

  /**
   * The packed weights layout of {@code block}'s weight shape: the one oneDNN chose for the first
   * block of that shape seen (0 where it had no matmul for it).
   */
  private long layout(ReducedPrecisionProducts.Block block) {
    Product product = new Product(block.in(), block.columns());
    Long held = layouts.get(product);
    if (held != null) {
      return held;
    }
    long[] descs = ReducedPrecisionProducts.descriptors(precision, block);
    long attr = ReducedPrecisionProducts.attributes(precision, block.activation());
    long[] d = new long[1];
    check(OneDnnNative.dnnl_memory_desc_create_with_tag(d, 2, new long[] {block.in(),
        block.columns()}, ReducedPrecisionProducts.lowType(precision), OneDnnNative.TAG_ANY),
        "dnnl_memory_desc_create_with_tag");
    long[] pd = new long[1];
    OpenMpNative.omp_set_num_threads(1);
    int status = OneDnnNative.dnnl_matmul_primitive_desc_create(pd, engine, descs[0], d[0],
        descs[2], descs[1], attr);
    OneDnnNative.dnnl_memory_desc_destroy(d[0]);
    OneDnnNative.dnnl_primitive_attr_destroy(attr);
    ReducedPrecisionProducts.destroy(descs);
    long layout = 0;
    if (status == OneDnnNative.SUCCESS) {
      layout = OneDnnNative.dnnl_primitive_desc_query_md(pd[0], OneDnnNative.QUERY_WEIGHTS_MD, 0);
      layoutOwners.add(pd[0]);
    }
    layouts.put(product, layout);
    return layout;
  }

  private void ensureLowSource(long bytes) {
    if (lowSource.capacity() < bytes) {
      if (bytes > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("a " + precision + " linear input of " + bytes
            + " bytes exceeds one buffer");
      }
      lowSource = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
      lowSourceAddress = Pointer.nativeValue(Native.getDirectBufferPointer(lowSource));
    }
  }

  // ---- activations, int8 ----

  /**
   * max |x| over the matrix, the int8 source's scale × 127: one scale for the whole matrix
   * (symmetric), as ONNX Runtime's dynamic quantisation does, since oneDNN's int8 matmul takes one
   * source scale (it has no per-row one on this build); the reorder then quantises and the matmul
   * applies the scale, bias and activation.
   */
  private float absoluteMax(FloatBuffer x, int xOff, int xStride, int rows, int in) {
    for (int t = 0; t < rowFloats.length; t++) {
      if (rowFloats[t].length < in) {
        rowFloats[t] = new float[in];
      }
    }
    job = x;
    jobOffset = xOff;
    jobStride = xStride;
    jobWidth = in;
    Arrays.fill(threadMax, 0f);
    pool.run(rows, in, absoluteMax);
    job = null;
    float max = 0f;
    for (float m : threadMax) {
      max = Math.max(max, m);
    }
    return max;
  }

  private void absoluteMaxRows(int thread, int from, int to) {
    float[] row = rowFloats[thread];
    int n = jobWidth;
    float max = threadMax[thread];
    for (int r = from; r < to; r++) {
      job.get(jobOffset + r * jobStride, row, 0, n);
      for (int i = 0; i < n; i++) {
        float v = Math.abs(row[i]);
        max = v > max ? v : max;
      }
    }
    threadMax[thread] = max;
  }

  @Override
  public void close() {
    weights.close();
    for (ReducedPrecisionProducts p : products) {
      p.close();
    }
    for (long pd : layoutOwners) {
      OneDnnNative.dnnl_primitive_desc_destroy(pd);
    }
    layoutOwners.clear();
    layouts.clear();
    if (sourceScaleMemory != 0) {
      OneDnnNative.dnnl_memory_destroy(sourceScaleMemory);
    }
  }

  /** A weight block's shape, whose packed layout every row count shares. */
  private record Product(int in, int out) {}
}
