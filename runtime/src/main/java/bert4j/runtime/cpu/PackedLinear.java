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
 * Linear layers act(x·wᵀ + bias) through oneDNN's matmul primitive on packed weights, for
 * inference, the bias and activation applied by oneDNN as it writes the product: in bf16 or int8 on
 * copies converted and packed once ({@link PackedWeights}), in float32 on the weights a model
 * declared, packed in place ({@link InPlaceWeights}). Everything runs on the backend's own pool,
 * each thread with its own single-threaded primitives ({@link PackedProducts}): for bf16 and int8
 * the activations are first converted by rows (to bf16, or to int8 with one scale for the matrix,
 * max |x| / 127, found in Java; oneDNN 3.8's int8 matmul refuses per-row source scales here, status
 * 3); then the output columns are cut into one block per thread
 * ({@link LinearKernels#blockColumns}), each block's weights packed apart. On oneDNN's OpenMP team
 * instead, its thread slept between products while bert4j's workers ran the rest of the layer, and
 * woke slowly: the same products with 0.5 ms of other work between them ran 5–15 % slower on the
 * team than in blocks (AMD EPYC Zen 5, 2 cores, 2026-12-01). The
 * packed layout is chosen per block shape at the first row count seen and kept for every other; a
 * shape oneDNN cannot run in that layout returns false, and the caller runs it on the float32
 * weights as they lie (a float32 weight is given its layout back for good).
 */
final class PackedLinear implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(PackedLinear.class.getName());

  private final Precision precision;
  private final long engine;
  private final ParallelRows pool;
  private final int lowBytes;
  /** The bf16 or int8 copies of the weights (null in float32). */
  private final PackedWeights weights;
  /** The weights packed in their own memory (null in bf16 and int8). */
  private final InPlaceWeights inPlace;
  /** The feed-forward activations written in bf16 for the next product (bf16 only). */
  private final HeldIntermediates intermediates = new HeldIntermediates();
  private final PackedProducts[] products;
  private final Map<Product, Long> layouts = new HashMap<>();
  /** The matmul descriptors whose weights layouts {@link #layouts} holds (they own them). */
  private final List<Long> layoutOwners = new ArrayList<>();
  /** Block shapes oneDNN has no primitive for (each logged once). */
  private final Set<PackedProducts.Block> unsupported = new HashSet<>();
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
  /** Bytes of one output value: 4, or 2 where the product writes bf16. */
  private int yBytes;
  private long biasAddress;
  private final PackedProducts.Block[] blocks;
  private final long[] blockLayouts;
  /** The blocks' packed weights and, for int8, their scales (oneDNN memories). */
  private final long[] blockWeights;
  private final long[] blockScales;
  /** The product's source: the converted activations, or in float32 the activations themselves. */
  private long source;
  private final ParallelRows.Task convertRows = this::convertRows;
  private final ParallelRows.Task productBlocks = this::productBlocks;

  PackedLinear(Precision precision, OneDnn dnnl, ParallelRows pool) {
    this.precision = precision;
    this.engine = dnnl.engine();
    this.pool = pool;
    this.lowBytes = precision == Precision.BF16 ? 2 : 1;
    this.inPlace = precision == Precision.FLOAT32 ? new InPlaceWeights(engine, pool.threads())
        : null;
    int threads = pool.threads();
    this.rowFloats = new float[threads][0];
    this.threadMax = new float[threads];
    this.weights = precision == Precision.FLOAT32 ? null
        : new PackedWeights(precision, engine, threads);
    if (precision == Precision.INT8) {
      long scaleDesc = OneDnn.descriptor(new long[] {1}, OneDnnNative.F32, new long[] {1});
      this.sourceScaleMemory = OneDnn.memory(engine, scaleDesc,
          Pointer.nativeValue(Native.getDirectBufferPointer(sourceScale)));
      OneDnnNative.dnnl_memory_desc_destroy(scaleDesc);
    } else {
      this.sourceScaleMemory = 0;
    }
    this.products = new PackedProducts[threads];
    for (int t = 0; t < threads; t++) {
      products[t] = new PackedProducts(precision, engine, sourceScaleMemory);
    }
    this.blocks = new PackedProducts.Block[threads];
    this.blockLayouts = new long[threads];
    this.blockWeights = new long[threads];
    this.blockScales = new long[threads];
  }

  /**
   * Before {@code count} floats at {@code offset} of {@code window} are read or written other than
   * by a product: float32 weights there get their layout back, a bf16 intermediate its float32.
   */
  void touching(CpuWindow window, int offset, long count) {
    if (inPlace != null) {
      inPlace.restore(window, offset, count);
    }
    intermediates.touching(window, offset, count);
  }

  /** Records that {@code window} was written: bf16 and int8 copies of weights in it are stale. */
  void written(CpuWindow window) {
    if (weights != null) {
      weights.written(window);
    }
  }

  /**
   * Declares a float32 weight that only products read, to be packed in place at its first product;
   * nothing in bf16 and int8, whose products read copies.
   */
  void declare(CpuWindow window, int offset, int in, int outWidth) {
    if (inPlace != null) {
      inPlace.declare(window, offset, in, outWidth);
    }
  }

  /**
   * Declares activations {@code width} wide at {@code offset} of {@code window} that only the next
   * product reads: in bf16 the product that writes them writes bf16; ignored in float32 and int8
   * (an int8 source needs its scale before it is written).
   */
  void declareIntermediate(CpuWindow window, int offset, int width) {
    if (precision == Precision.BF16) {
      intermediates.declare(window, offset, width);
    }
  }

  /** How many products so far read their x as a bf16 intermediate. */
  long intermediatesRead() {
    return intermediates.read();
  }

  /** How many float32 weights are packed in place now. */
  int packedInPlace() {
    return inPlace == null ? 0 : inPlace.packedCount();
  }

  /** How many weight matrices (column blocks) are held prepared in bf16 or int8. */
  int preparedCount() {
    return weights == null ? 0 : weights.count();
  }

  /**
   * y[rows, outWidth] = activation(x·wᵀ + bias), x {@code [rows, in]} with row stride
   * {@code xStride}, w {@code [outWidth, in]}, bias {@code [outWidth]} or null, activation null for
   * none (oneDNN's eltwise post-op, as {@link OneDnnSgemm#linear}); false (nothing written, x in
   * float32) where oneDNN cannot run this shape. With {@code finalOutput}, y is the layer's output
   * (no epilogue follows), and a declared intermediate there is written in bf16
   * ({@link #declareIntermediate}); x is read as bf16 where it is the one so written.
   */
  boolean forward(CpuWindow x, int xOff, int xStride, CpuWindow w, int wOff, CpuWindow bias,
      int biasOff, Activation activation, CpuWindow y, int yOff, boolean finalOutput, int rows,
      int in, int outWidth) {
    boolean lowInput = intermediates.holds(x, xOff, xStride, rows, in);
    if (!lowInput) {
      intermediates.release();
    }
    boolean lowOutput = finalOutput && rows > 0 && intermediates.declared(y, yOff, outWidth);
    if (run(x, xOff, xStride, w, wOff, bias, biasOff, activation, y, yOff, lowInput, lowOutput,
        rows, in, outWidth)) {
      if (lowInput) {
        intermediates.taken();
      }
      if (lowOutput) {
        intermediates.hold(y, yOff, rows, outWidth);
      }
      return true;
    }
    intermediates.release();
    return false;
  }

  private boolean run(CpuWindow x, int xOff, int xStride, CpuWindow w, int wOff, CpuWindow bias,
      int biasOff, Activation activation, CpuWindow y, int yOff, boolean lowInput,
      boolean lowOutput, int rows, int in, int outWidth) {
    if (inPlace != null && !inPlace.packable(w, wOff)) {
      return false;
    }
    int columns = LinearKernels.blockColumns(outWidth, pool.threads());
    int count = (outWidth + columns - 1) / columns;
    int sourceStride = inPlace != null ? xStride : in;
    for (int b = 0; b < count; b++) {
      int c0 = b * columns;
      PackedProducts.Block block = new PackedProducts.Block(rows, in, sourceStride,
          Math.min(columns, outWidth - c0), outWidth, bias != null, activation, lowOutput);
      long layout = layout(block);
      if (layout == 0 || !products[0].supports(block, layout)) {
        if (unsupported.add(block)) {
          LOG.info(() -> "bert4j: oneDNN has no " + precision + " matmul for " + block.rows()
              + " × " + block.in() + " × " + block.columns() + " in the packed layout; that shape"
              + " runs in float32 on the weights as they lie");
        }
        if (inPlace != null) {
          inPlace.keepPlain(w, wOff);
        }
        return false;
      }
      blocks[b] = block;
      blockLayouts[b] = layout;
    }
    if (inPlace != null) {
      long[] memories = inPlace.packed(w, wOff, columns, blockLayouts);
      if (memories == null) {
        return false;
      }
      System.arraycopy(memories, 0, blockWeights, 0, count);
      source = x.address() + 4L * xOff;
    } else {
      for (int b = 0; b < count; b++) {
        PackedWeights.Packed packed = weights.get(w, wOff + b * columns * in, in,
            blocks[b].columns(), blockLayouts[b]);
        blockWeights[b] = packed.memory();
        blockScales[b] = packed.scales();
      }
      if (lowInput) {
        source = x.address() + 4L * xOff;
      } else {
        ensureLowSource((long) rows * in * lowBytes);
        source = lowSourceAddress;
      }
      if (precision == Precision.INT8) {
        float max = absoluteMax(x.floats(), xOff, xStride, rows, in);
        sourceScale.put(0, max > 0f ? max / 127f : 1f);
      }
    }
    this.xAddress = x.address() + 4L * xOff;
    this.xStride = xStride;
    this.in = in;
    this.blockColumns = columns;
    this.yAddress = y.address() + 4L * yOff;
    this.yBytes = lowOutput ? 2 : 4;
    this.biasAddress = bias == null ? 0 : bias.address() + 4L * biasOff;
    if (inPlace == null && !lowInput) {
      pool.run(rows, 2L * in, convertRows);
    }
    pool.run(count, 2L * rows * in * columns, productBlocks);
    return true;
  }

  private void convertRows(int thread, int from, int to) {
    products[thread].convert(xAddress + 4L * from * xStride, xStride, to - from, in,
        lowSourceAddress + (long) from * in * lowBytes);
  }

  private void productBlocks(int thread, int from, int to) {
    for (int b = from; b < to; b++) {
      long c0 = (long) b * blockColumns;
      products[thread].multiply(blocks[b], blockLayouts[b], source, blockWeights[b],
          blockScales[b], biasAddress == 0 ? 0 : biasAddress + 4 * c0, yAddress + yBytes * c0);
    }
  }

  /**
   * The packed weights layout of {@code block}'s weight shape: the one oneDNN chose for the first
   * block of that shape seen (0 where it had no matmul for it).
   */
  private long layout(PackedProducts.Block block) {
    Product product = new Product(block.in(), block.columns());
    Long held = layouts.get(product);
    if (held != null) {
      return held;
    }
    long[] descs = PackedProducts.descriptors(precision, block);
    long attr = PackedProducts.attributes(precision, block.activation());
    long[] d = new long[1];
    check(OneDnnNative.dnnl_memory_desc_create_with_tag(d, 2, new long[] {block.in(),
        block.columns()}, PackedProducts.lowType(precision), OneDnnNative.TAG_ANY),
        "dnnl_memory_desc_create_with_tag");
    long[] pd = new long[1];
    OpenMpNative.omp_set_num_threads(1);
    int status = OneDnnNative.dnnl_matmul_primitive_desc_create(pd, engine, descs[0], d[0],
        descs[2], descs[1], attr);
    OneDnnNative.dnnl_memory_desc_destroy(d[0]);
    OneDnnNative.dnnl_primitive_attr_destroy(attr);
    PackedProducts.destroy(descs);
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
    if (weights != null) {
      weights.close();
    }
    if (inPlace != null) {
      inPlace.close();
    }
    for (PackedProducts p : products) {
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
