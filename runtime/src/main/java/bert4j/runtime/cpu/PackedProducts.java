package bert4j.runtime.cpu;

import static bert4j.runtime.cpu.OneDnn.check;

import bert4j.dsl.Activation;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.HashMap;
import java.util.Map;

/**
 * One pool thread's oneDNN primitives for {@link PackedLinear}, each run single-threaded on that
 * thread (OpenMP team of one): for bf16 and int8 the reorder that converts a chunk of the float32
 * activations' rows into the shared low-precision source, and the matmul of the whole source (for
 * float32 the activations as they lie) by one column block of the packed weights. Primitives are
 * cached per shape; each call sets the data handles of this thread's own memory objects, so threads
 * share only what they read (the packed weights, their scales, the int8 source's scale).
 */
final class PackedProducts implements AutoCloseable {
  /** Bytes of one {@code dnnl_exec_arg_t} (int argument, pointer to memory). */
  private static final int ARG_BYTES = 16;

  private final Precision precision;
  private final long engine;
  private final long stream;
  /** The int8 source's one scale, a oneDNN memory all threads read (0 for bf16). */
  private final long sourceScale;
  private final Map<Conversion, Primitive> reorders = new HashMap<>();
  private final Map<Block, Primitive> matmuls = new HashMap<>();

  PackedProducts(Precision precision, long engine, long sourceScale) {
    this.precision = precision;
    this.engine = engine;
    this.sourceScale = sourceScale;
    this.stream = OneDnn.stream(engine);
  }

  /** The oneDNN type of the products' source and weights. */
  static int lowType(Precision precision) {
    return switch (precision) {
      case FLOAT32 -> OneDnnNative.F32;
      case BF16 -> OneDnnNative.BF16;
      case INT8 -> OneDnnNative.S8;
    };
  }

  /**
   * A matmul's attributes: for int8 one source scale and per-column weight scales; the activation
   * as an eltwise post-op (none where null). The caller destroys it.
   */
  static long attributes(Precision precision, Activation activation) {
    long[] a = new long[1];
    check(OneDnnNative.dnnl_primitive_attr_create(a), "dnnl_primitive_attr_create");
    long attr = a[0];
    if (precision == Precision.INT8) {
      check(OneDnnNative.dnnl_primitive_attr_set_scales_mask(attr, OneDnnNative.ARG_WEIGHTS, 1 << 1),
          "dnnl_primitive_attr_set_scales_mask (weights, per column)");
      check(OneDnnNative.dnnl_primitive_attr_set_scales_mask(attr, OneDnnNative.ARG_SRC, 0),
          "dnnl_primitive_attr_set_scales_mask (source, one)");
    }
    if (activation != null) {
      check(OneDnnNative.dnnl_post_ops_create(a), "dnnl_post_ops_create");
      long postOps = a[0];
      try {
        check(OneDnnNative.dnnl_post_ops_append_eltwise(postOps, OneDnnSgemm.eltwise(activation),
            OneDnnEltwise.alpha(activation), 0f), "dnnl_post_ops_append_eltwise");
        check(OneDnnNative.dnnl_primitive_attr_set_post_ops(attr, postOps),
            "dnnl_primitive_attr_set_post_ops");
      } finally {
        OneDnnNative.dnnl_post_ops_destroy(postOps);
      }
    }
    return attr;
  }

  /** The descriptors of a block's source, destination and bias (0 without one), in that order. */
  static long[] descriptors(Precision precision, Block block) {
    long src = OneDnn.descriptor(new long[] {block.rows(), block.in()}, lowType(precision),
        new long[] {block.sourceStride(), 1});
    long dst = OneDnn.descriptor(new long[] {block.rows(), block.columns()},
        block.lowDestination() ? lowType(precision) : OneDnnNative.F32,
        new long[] {block.dstStride(), 1});
    long bias = block.bias() ? OneDnn.descriptor(new long[] {1, block.columns()},
        OneDnnNative.F32, new long[] {block.columns(), 1}) : 0;
    return new long[] {src, dst, bias};
  }

  static void destroy(long... descriptors) {
    for (long d : descriptors) {
      if (d != 0) {
        OneDnnNative.dnnl_memory_desc_destroy(d);
      }
    }
  }

  /**
   * Whether oneDNN runs {@code block} with its weights in {@code layout}; makes this thread's
   * primitive for it on first call.
   */
  boolean supports(Block block, long layout) {
    return matmul(block, layout).primitive != 0;
  }

  /**
   * Converts {@code rows} rows of float32 activations at {@code from} (row stride {@code xStride})
   * to the dense low-precision rows at {@code to}; for int8, divided by the source's one scale and
   * rounded.
   */
  void convert(long from, int xStride, int rows, int in, long to) {
    Conversion shape = new Conversion(rows, in, xStride);
    Primitive reorder = reorders.get(shape);
    if (reorder == null) {
      reorder = reorder(shape);
      reorders.put(shape, reorder);
    }
    set(reorder.src, from);
    set(reorder.dst, to);
    execute(reorder, "reorder of the source");
  }

  /**
   * dst = activation(source·weights + bias) for one column block: {@code weights} and
   * {@code weightScales} (int8; 0 for bf16) are the block's packed memories, {@code bias} and
   * {@code dst} addresses of its first column (bias 0 without one).
   */
  void multiply(Block block, long layout, long source, long weights, long weightScales, long bias,
      long dst) {
    Primitive matmul = matmul(block, layout);
    if (matmul.primitive == 0) {
      throw new IllegalStateException("oneDNN has no " + precision + " matmul for " + block);
    }
    set(matmul.src, source);
    set(matmul.dst, dst);
    if (bias != 0) {
      set(matmul.bias, bias);
    }
    matmul.args.setLong(ARG_BYTES + 8, weights);
    if (weightScales != 0) {
      matmul.args.setLong(3 * ARG_BYTES + 8, weightScales);
    }
    execute(matmul, "matmul");
  }

  private Primitive matmul(Block block, long layout) {
    Primitive matmul = matmuls.get(block);
    if (matmul == null) {
      matmul = createMatmul(block, layout);
      matmuls.put(block, matmul);
    }
    return matmul;
  }

  private void execute(Primitive p, String what) {
    OpenMpNative.omp_set_num_threads(1);
    check(OneDnnNative.dnnl_primitive_execute(p.primitive, stream, p.arguments,
        Pointer.nativeValue(p.args)), "dnnl_primitive_execute (" + what + ")");
    check(OneDnnNative.dnnl_stream_wait(stream), "dnnl_stream_wait");
  }

  private static void set(long memory, long address) {
    check(OneDnnNative.dnnl_memory_set_data_handle(memory, address), "dnnl_memory_set_data_handle");
  }

  /**
   * The matmul of {@code block}, arguments source, weights, destination, then for int8 the weight
   * scales (set per call) and the source's scale, then the bias; {@link Primitive#NONE} where oneDNN
   * has none.
   */
  private Primitive createMatmul(Block block, long layout) {
    long[] descs = descriptors(precision, block);
    long attr = attributes(precision, block.activation());
    OpenMpNative.omp_set_num_threads(1);
    long[] pd = new long[1];
    int status = OneDnnNative.dnnl_matmul_primitive_desc_create(pd, engine, descs[0], layout,
        descs[2], descs[1], attr);
    OneDnnNative.dnnl_primitive_attr_destroy(attr);
    try {
      if (status != OneDnnNative.SUCCESS) {
        return Primitive.NONE;
      }
      long[] primitive = new long[1];
      check(OneDnnNative.dnnl_primitive_create(primitive, pd[0]), "dnnl_primitive_create (matmul)");
      long src = OneDnn.memory(engine, descs[0], 0);
      long dst = OneDnn.memory(engine, descs[1], 0);
      long bias = block.bias() ? OneDnn.memory(engine, descs[2], 0) : 0;
      int count = 3 + (precision == Precision.INT8 ? 2 : 0) + (block.bias() ? 1 : 0);
      int[] ids = new int[count];
      long[] memories = new long[count];
      ids[0] = OneDnnNative.ARG_SRC;
      memories[0] = src;
      ids[1] = OneDnnNative.ARG_WEIGHTS;
      ids[2] = OneDnnNative.ARG_DST;
      memories[2] = dst;
      int next = 3;
      if (precision == Precision.INT8) {
        ids[next++] = OneDnnNative.ARG_ATTR_SCALES | OneDnnNative.ARG_WEIGHTS;
        ids[next] = OneDnnNative.ARG_ATTR_SCALES | OneDnnNative.ARG_SRC;
        memories[next++] = sourceScale;
      }
      if (block.bias()) {
        ids[next] = OneDnnNative.ARG_BIAS;
        memories[next] = bias;
      }
      Memory args = OneDnn.arguments(ids);
      for (int i = 0; i < count; i++) {
        args.setLong((long) i * ARG_BYTES + 8, memories[i]);
      }
      return new Primitive(primitive[0], src, dst, bias, args, count);
    } finally {
      if (pd[0] != 0) {
        OneDnnNative.dnnl_primitive_desc_destroy(pd[0]);
      }
      destroy(descs);
    }
  }

  private Primitive reorder(Conversion shape) {
    long fromDesc = OneDnn.descriptor(new long[] {shape.rows(), shape.in()}, OneDnnNative.F32,
        new long[] {shape.xStride(), 1});
    long toDesc = OneDnn.descriptor(new long[] {shape.rows(), shape.in()}, lowType(precision),
        new long[] {shape.in(), 1});
    long attr = 0;
    long[] a = new long[1];
    if (precision == Precision.INT8) {
      check(OneDnnNative.dnnl_primitive_attr_create(a), "dnnl_primitive_attr_create");
      attr = a[0];
      check(OneDnnNative.dnnl_primitive_attr_set_scales_mask(attr, OneDnnNative.ARG_DST, 0),
          "dnnl_primitive_attr_set_scales_mask (quantised source, one)");
    }
    OpenMpNative.omp_set_num_threads(1);
    long[] rpd = new long[1];
    try {
      check(OneDnnNative.dnnl_reorder_primitive_desc_create(rpd, fromDesc, engine, toDesc, engine,
          attr), "dnnl_reorder_primitive_desc_create (activations)");
      long[] primitive = new long[1];
      check(OneDnnNative.dnnl_primitive_create(primitive, rpd[0]),
          "dnnl_primitive_create (reorder)");
      long src = OneDnn.memory(engine, fromDesc, 0);
      long dst = OneDnn.memory(engine, toDesc, 0);
      Memory args = precision == Precision.INT8
          ? OneDnn.arguments(OneDnnNative.ARG_SRC, OneDnnNative.ARG_DST,
              OneDnnNative.ARG_ATTR_SCALES | OneDnnNative.ARG_DST)
          : OneDnn.arguments(OneDnnNative.ARG_SRC, OneDnnNative.ARG_DST);
      args.setLong(8, src);
      args.setLong(ARG_BYTES + 8, dst);
      if (precision == Precision.INT8) {
        args.setLong(2 * ARG_BYTES + 8, sourceScale);
      }
      return new Primitive(primitive[0], src, dst, 0, args, precision == Precision.INT8 ? 3 : 2);
    } finally {
      if (rpd[0] != 0) {
        OneDnnNative.dnnl_primitive_desc_destroy(rpd[0]);
      }
      if (attr != 0) {
        OneDnnNative.dnnl_primitive_attr_destroy(attr);
      }
      destroy(fromDesc, toDesc);
    }
  }

  @Override
  public void close() {
    for (Primitive p : reorders.values()) {
      p.free();
    }
    for (Primitive p : matmuls.values()) {
      p.free();
    }
    reorders.clear();
    matmuls.clear();
    OneDnnNative.dnnl_stream_destroy(stream);
  }

  /**
   * One column block's product: rows × in (the source's rows {@code sourceStride} apart) by in ×
   * columns, the destination's row stride, a bias or not, the activation (null for none), and
   * whether the destination is in the products' precision (bf16) instead of float32.
   */
  record Block(int rows, int in, int sourceStride, int columns, int dstStride, boolean bias,
      Activation activation, boolean lowDestination) {}

  /** One chunk's conversion: rows × in, the float32 rows' stride. */
  private record Conversion(int rows, int in, int xStride) {}

  /**
   * A primitive, this thread's memory objects for its source, destination and bias (0 where none),
   * and its argument list; {@link #NONE} where oneDNN has no primitive for the shape.
   */
  private record Primitive(long primitive, long src, long dst, long bias, Memory args,
      int arguments) {
    static final Primitive NONE = new Primitive(0, 0, 0, 0, null, 0);

    void free() {
      if (primitive == 0) {
        return;
      }
      OneDnnNative.dnnl_primitive_destroy(primitive);
      for (long m : new long[] {src, dst, bias}) {
        if (m != 0) {
          OneDnnNative.dnnl_memory_destroy(m);
        }
      }
    }
  }
}
