package bert4j.runtime.cpu;

import static bert4j.runtime.cpu.OneDnn.check;

import bert4j.dsl.Activation;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Linear layers act(x·wᵀ + bias) in bf16 or int8 through oneDNN's matmul primitive, for inference,
 * the bias and activation applied by oneDNN as it writes the product, on weights packed once
 * ({@link PackedWeights}). Activations are converted at each call by a oneDNN reorder: to bf16, or
 * to int8 with one scale for the matrix (max |x| / 127, found in Java; oneDNN 3.8's int8 matmul
 * refuses per-row source scales here, status 3). Primitives are cached per shape; the packed layout
 * is chosen per weight shape at the first row count seen and kept for every other. A shape oneDNN
 * cannot run in that layout returns false, and the caller runs it in float32.
 */
final class ReducedPrecisionLinear implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ReducedPrecisionLinear.class.getName());
  /** Bytes of one {@code dnnl_exec_arg_t} (int argument, pointer to memory). */
  private static final int ARG_BYTES = 16;

  private final Precision precision;
  private final long engine;
  private final long stream;
  private final ParallelRows pool;
  private final int lowBytes;
  private final PackedWeights weights;
  private final Map<Product, Long> layouts = new HashMap<>();
  /** The matmul descriptors whose weights layouts {@link #layouts} holds (they own them). */
  private final List<Long> layoutOwners = new ArrayList<>();
  private final Map<Shape, Plan> plans = new HashMap<>();
  private ByteBuffer lowSource = ByteBuffer.allocateDirect(0);
  private long lowSourceAddress;
  /** The int8 source's one scale, where oneDNN reads it. */
  private final FloatBuffer sourceScale =
      ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).asFloatBuffer();
  private final long sourceScaleAddress =
      Pointer.nativeValue(Native.getDirectBufferPointer(sourceScale));
  private final float[] threadMax;
  private float[][] rowFloats;

  private FloatBuffer job;
  private int jobOffset;
  private int jobStride;
  private int jobWidth;
  private final ParallelRows.Task absoluteMax = this::absoluteMaxRows;

  ReducedPrecisionLinear(Precision precision, OneDnn dnnl, ParallelRows pool) {
    if (precision == Precision.FLOAT32) {
      throw new IllegalArgumentException("ReducedPrecisionLinear is for BF16 or INT8, not FLOAT32");
    }
    this.precision = precision;
    this.engine = dnnl.engine();
    this.pool = pool;
    this.lowBytes = precision == Precision.BF16 ? 2 : 1;
    this.rowFloats = new float[pool.threads()][0];
    this.threadMax = new float[pool.threads()];
    long[] s = new long[1];
    check(OneDnnNative.dnnl_stream_create(s, engine, OneDnnNative.STREAM_IN_ORDER),
        "dnnl_stream_create");
    this.stream = s[0];
    this.weights = new PackedWeights(precision, engine, pool.threads());
  }

  /** Records that {@code window} was written: weights prepared from it are stale. */
  void written(CpuWindow window) {
    weights.written(window);
  }

  /** How many weight matrices are held prepared. */
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
    Shape shape = new Shape(rows, in, outWidth, xStride, bias != null, activation);
    Plan plan = plans.get(shape);
    if (plan == null) {
      plan = plan(shape);
      plans.put(shape, plan);
    }
    if (plan.matmul == 0) {
      return false;
    }
    PackedWeights.Packed packed = weights.get(w, wOff, in, outWidth, plan.weightsDesc);
    ensureLowSource((long) rows * in * lowBytes);
    if (precision == Precision.INT8) {
      float max = absoluteMax(x.floats(), xOff, xStride, rows, in);
      sourceScale.put(0, max > 0f ? max / 127f : 1f);
      set(plan.sourceScale, sourceScaleAddress);
      plan.matmulArgs.setLong(Plan.WEIGHT_SCALES * ARG_BYTES + 8, packed.scales());
    }
    set(plan.reorderFrom, x.address() + 4L * xOff);
    execute(plan.reorder, plan.reorderArgs, plan.reorderArguments, "reorder of the source");
    set(plan.dst, y.address() + 4L * yOff);
    if (bias != null) {
      set(plan.bias, bias.address() + 4L * biasOff);
    }
    plan.matmulArgs.setLong(ARG_BYTES + 8, packed.memory());
    execute(plan.matmul, plan.matmulArgs, plan.arguments, "matmul");
    return true;
  }

  /** Runs a primitive on as many OpenMP threads as the backend has (OpenMP's team is per thread). */
  private void execute(long primitive, Memory args, int count, String what) {
    pool.parkWorkers();
    OpenMpNative.omp_set_num_threads(pool.threads());
    check(OneDnnNative.dnnl_primitive_execute(primitive, stream, count, Pointer.nativeValue(args)),
        "dnnl_primitive_execute (" + what + ")");
    check(OneDnnNative.dnnl_stream_wait(stream), "dnnl_stream_wait");
  }

  private static void set(long memory, long address) {
    check(OneDnnNative.dnnl_memory_set_data_handle(memory, address), "dnnl_memory_set_data_handle");
  }

  private void ensureLowSource(long bytes) {
    if (lowSource.capacity() < bytes) {
      if (bytes > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("a " + precision + " linear input of " + bytes
            + " bytes exceeds one buffer");
      }
      lowSource = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
      lowSourceAddress = Pointer.nativeValue(Native.getDirectBufferPointer(lowSource));
      for (Plan plan : plans.values()) {
        if (plan.src != 0) {
          set(plan.src, lowSourceAddress);
        }
      }
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

  // ---- primitives per shape ----

  private Plan plan(Shape shape) {
    OpenMpNative.omp_set_num_threads(pool.threads());
    Product product = new Product(shape.in, shape.out);
    int lowType = precision == Precision.BF16 ? OneDnnNative.BF16 : OneDnnNative.S8;
    long srcDesc = OneDnn.descriptor(new long[] {shape.rows, shape.in}, lowType,
        new long[] {shape.in, 1});
    long dstDesc = OneDnn.descriptor(new long[] {shape.rows, shape.out}, OneDnnNative.F32,
        new long[] {shape.out, 1});
    long biasDesc = shape.bias ? OneDnn.descriptor(new long[] {1, shape.out}, OneDnnNative.F32,
        new long[] {shape.out, 1}) : 0;
    long[] a = new long[1];
    check(OneDnnNative.dnnl_primitive_attr_create(a), "dnnl_primitive_attr_create");
    long attr = a[0];
    long postOps = 0;
    if (precision == Precision.INT8) {
      check(OneDnnNative.dnnl_primitive_attr_set_scales_mask(attr, OneDnnNative.ARG_WEIGHTS, 1 << 1),
          "dnnl_primitive_attr_set_scales_mask (weights, per column)");
      check(OneDnnNative.dnnl_primitive_attr_set_scales_mask(attr, OneDnnNative.ARG_SRC, 0),
          "dnnl_primitive_attr_set_scales_mask (source, one)");
    }
    if (shape.activation != null) {
      check(OneDnnNative.dnnl_post_ops_create(a), "dnnl_post_ops_create");
      postOps = a[0];
      check(OneDnnNative.dnnl_post_ops_append_eltwise(postOps,
          OneDnnSgemm.eltwise(shape.activation), shape.activation == Activation.SWISH ? 1f : 0f,
          0f), "dnnl_post_ops_append_eltwise");
      check(OneDnnNative.dnnl_primitive_attr_set_post_ops(attr, postOps),
          "dnnl_primitive_attr_set_post_ops");
    }
    long[] pd = new long[1];
    Long layout = layouts.get(product);
    int status;
    if (layout == null) {
      long anyDesc = anyDesc(shape, lowType);
      status = OneDnnNative.dnnl_matmul_primitive_desc_create(pd, engine, srcDesc, anyDesc,
          biasDesc, dstDesc, attr);
      OneDnnNative.dnnl_memory_desc_destroy(anyDesc);
      if (status == OneDnnNative.SUCCESS) {
        long layoutPd = pd[0];
        layout = OneDnnNative.dnnl_primitive_desc_query_md(layoutPd, OneDnnNative.QUERY_WEIGHTS_MD,
            0);
        layouts.put(product, layout);
        layoutOwners.add(layoutPd);
        pd[0] = 0;
        status = OneDnnNative.dnnl_matmul_primitive_desc_create(pd, engine, srcDesc, layout,
            biasDesc, dstDesc, attr);
      }
    } else {
      status = OneDnnNative.dnnl_matmul_primitive_desc_create(pd, engine, srcDesc, layout,
          biasDesc, dstDesc, attr);
    }
    OneDnnNative.dnnl_primitive_attr_destroy(attr);
    if (postOps != 0) {
      OneDnnNative.dnnl_post_ops_destroy(postOps);
    }
    Plan plan = new Plan(shape);
    if (status != OneDnnNative.SUCCESS) {
      int failed = status;
      LOG.info(() -> "bert4j: oneDNN has no " + precision + " matmul for " + shape.rows + " × "
          + shape.in + " × " + shape.out + " in the packed layout (status " + failed
          + "); that shape runs in float32");
      destroyDescs(srcDesc, dstDesc, biasDesc);
      return plan;
    }
    plan.weightsDesc = layout;
    long[] primitive = new long[1];
    check(OneDnnNative.dnnl_primitive_create(primitive, pd[0]), "dnnl_primitive_create (matmul)");
    OneDnnNative.dnnl_primitive_desc_destroy(pd[0]);
    plan.matmul = primitive[0];
    plan.src = OneDnn.memory(engine, srcDesc, lowSourceAddress);
    plan.dst = OneDnn.memory(engine, dstDesc, 0);
    List<Integer> ids = new ArrayList<>(List.of(OneDnnNative.ARG_SRC, OneDnnNative.ARG_WEIGHTS,
        OneDnnNative.ARG_DST));
    List<Long> memories = new ArrayList<>(List.of(plan.src, 0L, plan.dst));
    if (precision == Precision.INT8) {
      long scaleDesc = OneDnn.descriptor(new long[] {1}, OneDnnNative.F32, new long[] {1});
      plan.sourceScale = OneDnn.memory(engine, scaleDesc, 0);
      OneDnnNative.dnnl_memory_desc_destroy(scaleDesc);
      ids.add(OneDnnNative.ARG_ATTR_SCALES | OneDnnNative.ARG_WEIGHTS);
      memories.add(0L);
      ids.add(OneDnnNative.ARG_ATTR_SCALES | OneDnnNative.ARG_SRC);
      memories.add(plan.sourceScale);
    }
    if (shape.bias) {
      plan.bias = OneDnn.memory(engine, biasDesc, 0);
      ids.add(OneDnnNative.ARG_BIAS);
      memories.add(plan.bias);
    }
    plan.arguments = ids.size();
    plan.matmulArgs = OneDnn.arguments(ids.stream().mapToInt(Integer::intValue).toArray());
    for (int i = 0; i < memories.size(); i++) {
      plan.matmulArgs.setLong((long) i * ARG_BYTES + 8, memories.get(i));
    }
    long fromDesc = OneDnn.descriptor(new long[] {shape.rows, shape.in}, OneDnnNative.F32,
        new long[] {shape.xStride, 1});
    long reorderAttr = 0;
    if (precision == Precision.INT8) {
      check(OneDnnNative.dnnl_primitive_attr_create(a), "dnnl_primitive_attr_create");
      reorderAttr = a[0];
      check(OneDnnNative.dnnl_primitive_attr_set_scales_mask(reorderAttr, OneDnnNative.ARG_DST, 0),
          "dnnl_primitive_attr_set_scales_mask (quantised source, one)");
    }
    long[] rpd = new long[1];
    check(OneDnnNative.dnnl_reorder_primitive_desc_create(rpd, fromDesc, engine, srcDesc, engine,
        reorderAttr), "dnnl_reorder_primitive_desc_create (activations)");
    if (reorderAttr != 0) {
      OneDnnNative.dnnl_primitive_attr_destroy(reorderAttr);
    }
    check(OneDnnNative.dnnl_primitive_create(primitive, rpd[0]), "dnnl_primitive_create (reorder)");
    OneDnnNative.dnnl_primitive_desc_destroy(rpd[0]);
    plan.reorder = primitive[0];
    plan.reorderFrom = OneDnn.memory(engine, fromDesc, 0);
    OneDnnNative.dnnl_memory_desc_destroy(fromDesc);
    plan.reorderArgs = precision == Precision.INT8
        ? OneDnn.arguments(OneDnnNative.ARG_SRC, OneDnnNative.ARG_DST,
            OneDnnNative.ARG_ATTR_SCALES | OneDnnNative.ARG_DST)
        : OneDnn.arguments(OneDnnNative.ARG_SRC, OneDnnNative.ARG_DST);
    plan.reorderArguments = precision == Precision.INT8 ? 3 : 2;
    plan.reorderArgs.setLong(8, plan.reorderFrom);
    plan.reorderArgs.setLong(ARG_BYTES + 8, plan.src);
    if (precision == Precision.INT8) {
      plan.reorderArgs.setLong(2 * ARG_BYTES + 8, plan.sourceScale);
    }
    destroyDescs(srcDesc, dstDesc, biasDesc);
    return plan;
  }

  private static void destroyDescs(long... descs) {
    for (long d : descs) {
      if (d != 0) {
        OneDnnNative.dnnl_memory_desc_destroy(d);
      }
    }
  }

  private long anyDesc(Shape shape, int type) {
    long[] d = new long[1];
    check(OneDnnNative.dnnl_memory_desc_create_with_tag(d, 2, new long[] {shape.in, shape.out}, type,
        OneDnnNative.TAG_ANY), "dnnl_memory_desc_create_with_tag");
    return d[0];
  }

  @Override
  public void close() {
    weights.close();
    for (Plan plan : plans.values()) {
      plan.free();
    }
    plans.clear();
    for (long pd : layoutOwners) {
      OneDnnNative.dnnl_primitive_desc_destroy(pd);
    }
    layoutOwners.clear();
    layouts.clear();
    OneDnnNative.dnnl_stream_destroy(stream);
  }

  /** A weight shape, whose packed layout every row count shares. */
  private record Product(int in, int out) {}

  /** One product's shape: rows, in, out, the input's row stride, a bias or not, the activation. */
  private record Shape(int rows, int in, int out, int xStride, boolean bias,
      Activation activation) {}

  /** The primitives and memory objects of one shape; {@code matmul == 0}: run it in float32. */
  private static final class Plan {
    /** The matmul's arguments: source, weights, destination, then (int8) the weight scales. */
    static final int WEIGHT_SCALES = 3;
    final Shape shape;
    long weightsDesc;
    long matmul;
    long src;
    long dst;
    long sourceScale;
    long bias;
    int arguments;
    Memory matmulArgs;
    long reorder;
    long reorderFrom;
    Memory reorderArgs;
    int reorderArguments;

    Plan(Shape shape) {
      this.shape = shape;
    }

    void free() {
      for (long primitive : new long[] {matmul, reorder}) {
        if (primitive != 0) {
          OneDnnNative.dnnl_primitive_destroy(primitive);
        }
      }
      for (long memory : new long[] {src, dst, sourceScale, bias, reorderFrom}) {
        if (memory != 0) {
          OneDnnNative.dnnl_memory_destroy(memory);
        }
      }
    }
  }
}
