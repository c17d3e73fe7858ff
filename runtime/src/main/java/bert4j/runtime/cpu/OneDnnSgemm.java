package bert4j.runtime.cpu;

import static bert4j.runtime.cpu.OneDnn.check;

import bert4j.dsl.Activation;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Float32 products C = alpha·op(A)·op(B) (or C += op(A)·op(B), or a dense layer's
 * act(x·wᵀ + bias)), row-major, through oneDNN's matmul primitive on the operands where they lie, on
 * the calling thread alone: a transposed operand is described by its strides, so nothing is copied
 * or packed ahead. On request B (the weights) is packed into oneDNN's own layout right before the
 * product, into one scratch per instance sized to the largest packed B: at 1,024 rows the packing
 * pays for itself (the dense backward's dx = dPre·w: 374–386 GFLOP/s packing included, against
 * 283–382 on w as it lies and 335–363 for OpenBLAS; AMD EPYC Zen 5, 2026-12-01). On the linear
 * layers' shapes, unpacked, it beats
 * OpenBLAS 0.3.19's sgemm (AMD EPYC Zen 5, 2 cores, 2026-12-01: 310–340 against 240–270 GFLOP/s at
 * 128 rows, 330–357 against 290–345 at 512 and 1,024 rows; the {@code PlainProbe} columns of
 * {@code GemmLibraryTiming}). A primitive is created per shape (rows, columns, depth, transposes,
 * leading dimensions, accumulate, packing) and the most recently used {@link #CAPACITY} are kept; alpha ≠ 1
 * is oneDNN's scale of the source, its value set per call. oneDNN's OpenMP team is set to 1 before
 * each product and before a primitive is made (OpenMP's setting is per calling thread): the backend
 * keeps one instance per pool thread and splits a product's work between them itself
 * ({@link LinearKernels}), so OpenMP's own threads never wake for float32.
 */
final class OneDnnSgemm implements AutoCloseable {
  /**
   * Shapes whose primitives are kept (the least recently used beyond it is destroyed). One instance
   * serves a thread's dense-layer blocks and its attention products alike: about 12 shapes per
   * batch shape a BERT trains on, so 128 keep about ten batch shapes.
   */
  static final int CAPACITY = 128;
  /** Bytes of one {@code dnnl_exec_arg_t} (int argument, pointer to memory). */
  private static final int ARG_BYTES = 16;

  private final long engine;
  private final long stream;
  /**
   * The packing scratch: B of a packed product, packed right before it runs (grown to the largest
   * packed B made; null until one is).
   */
  private Memory packed;
  /** The key each product is looked up with, refilled per call (the map keeps copies). */
  private final Shape lookup = new Shape();
  private final Map<Shape, Product> products = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Shape, Product> eldest) {
      boolean evict = size() > CAPACITY;
      if (evict) {
        eldest.getValue().free();
      }
      return evict;
    }
  };

  /** One instance for each of a pool's {@code threads}. */
  static OneDnnSgemm[] perThread(OneDnn dnnl, int threads) {
    OneDnnSgemm[] instances = new OneDnnSgemm[threads];
    for (int t = 0; t < threads; t++) {
      instances[t] = new OneDnnSgemm(dnnl);
    }
    return instances;
  }

  OneDnnSgemm(OneDnn dnnl) {
    this.engine = dnnl.engine();
    this.stream = OneDnn.stream(engine);
  }

  /**
   * C[m, n] = alpha·op(A)[m, k]·op(B)[k, n], plus C's previous values where {@code accumulate};
   * each operand given by its window, offset (floats) and leading dimension, as in
   * {@code cblas_sgemm}.
   */
  void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, CpuWindow a,
      int aOff, int lda, CpuWindow b, int bOff, int ldb, boolean accumulate, CpuWindow c, int cOff,
      int ldc) {
    gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, accumulate, c, cOff, ldc,
        false);
  }

  /**
   * {@link #gemm}, B first packed into oneDNN's own layout (into this thread's scratch,
   * {@link #packed}) where {@code packB}.
   */
  void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, CpuWindow a,
      int aOff, int lda, CpuWindow b, int bOff, int ldb, boolean accumulate, CpuWindow c, int cOff,
      int ldc, boolean packB) {
    if (m == 0 || n == 0) {
      return;
    }
    Product product = run(lookup.set(transA, transB, m, n, k, lda, ldb, ldc, accumulate, false,
        alpha != 1f).activation(null).packed(packB));
    if (alpha != 1f) {
      product.alpha.setFloat(0, alpha);
    }
    execute(product, a, aOff, b, bOff, c, cOff, null, 0);
  }

  /**
   * A dense layer in one pass: y[rows, out] = activation(x·wᵀ + bias), x {@code [rows, in]} with row
   * stride {@code xStride}, w {@code [out, in]}, bias {@code [out]} (null: none), y's rows
   * {@code yStride} apart, activation null for none (oneDNN's eltwise post-op: GELU by erf, GELU's
   * tanh form, ReLU, swish with β = 1, tanh).
   */
  void linear(CpuWindow x, int xOff, int xStride, CpuWindow w, int wOff, CpuWindow bias,
      int biasOff, Activation activation, CpuWindow y, int yOff, int yStride, int rows, int in,
      int out) {
    if (rows == 0) {
      return;
    }
    execute(run(lookup.set(false, true, rows, out, in, xStride, in, yStride, false, bias != null,
        false).activation(activation).packed(false)), x, xOff, w, wOff, y, yOff, bias, biasOff);
  }

  /** The primitive of {@code shape}, made on first use (and then keyed by a copy of shape). */
  private Product run(Shape shape) {
    Product product = products.get(shape);
    if (product == null) {
      Shape key = shape.copy();
      product = create(key);
      products.put(key, product);
    }
    return product;
  }

  private void execute(Product product, CpuWindow a, int aOff, CpuWindow b, int bOff, CpuWindow c,
      int cOff, CpuWindow bias, int biasOff) {
    set(product.a, a.address() + 4L * aOff);
    set(product.c, c.address() + 4L * cOff);
    if (bias != null) {
      set(product.bias, bias.address() + 4L * biasOff);
    }
    OpenMpNative.omp_set_num_threads(1);
    Packing packing = product.packing;
    if (packing != null) {
      set(packing.plain, b.address() + 4L * bOff);
      set(product.b, Pointer.nativeValue(packed));
      check(OneDnnNative.dnnl_primitive_execute(packing.reorder, stream, 2,
          Pointer.nativeValue(packing.args)), "dnnl_primitive_execute (packing B)");
    } else {
      set(product.b, b.address() + 4L * bOff);
    }
    check(OneDnnNative.dnnl_primitive_execute(product.matmul, stream, product.arguments,
        Pointer.nativeValue(product.args)), "dnnl_primitive_execute (sgemm)");
    check(OneDnnNative.dnnl_stream_wait(stream), "dnnl_stream_wait");
  }

  private Product create(Shape s) {
    long aDesc = desc(s.m, s.k, s.transA, s.lda);
    long plainB = desc(s.k, s.n, s.transB, s.ldb);
    long bDesc = plainB;
    if (s.packed) {
      long[] any = new long[1];
      check(OneDnnNative.dnnl_memory_desc_create_with_tag(any, 2, new long[] {s.k, s.n},
          OneDnnNative.F32, OneDnnNative.TAG_ANY), "dnnl_memory_desc_create_with_tag");
      bDesc = any[0];
    }
    long cDesc = desc(s.m, s.n, false, s.ldc);
    long biasDesc = s.bias ? desc(1, s.n, false, s.n) : 0;
    long scaleDesc = s.scaled ? desc(1, 1, false, 1) : 0;
    long attr = 0;
    long postOps = 0;
    if (s.accumulate || s.scaled || s.activation != null) {
      long[] h = new long[1];
      check(OneDnnNative.dnnl_primitive_attr_create(h), "dnnl_primitive_attr_create");
      attr = h[0];
    }
    if (s.scaled) {
      check(OneDnnNative.dnnl_primitive_attr_set_scales_mask(attr, OneDnnNative.ARG_SRC, 0),
          "dnnl_primitive_attr_set_scales_mask");
    }
    if (s.accumulate || s.activation != null) {
      long[] h = new long[1];
      check(OneDnnNative.dnnl_post_ops_create(h), "dnnl_post_ops_create");
      postOps = h[0];
      if (s.accumulate) {
        check(OneDnnNative.dnnl_post_ops_append_sum(postOps, 1f, 0, OneDnnNative.DATA_TYPE_UNDEF),
            "dnnl_post_ops_append_sum");
      }
      if (s.activation != null) {
        check(OneDnnNative.dnnl_post_ops_append_eltwise(postOps, eltwise(s.activation),
            OneDnnEltwise.alpha(s.activation), 0f), "dnnl_post_ops_append_eltwise");
      }
      check(OneDnnNative.dnnl_primitive_attr_set_post_ops(attr, postOps),
          "dnnl_primitive_attr_set_post_ops");
    }
    OpenMpNative.omp_set_num_threads(1);
    long[] pd = new long[1];
    try {
      check(OneDnnNative.dnnl_matmul_primitive_desc_create(pd, engine, aDesc, bDesc, biasDesc,
          cDesc, attr), "dnnl_matmul_primitive_desc_create (" + s + ")");
      long[] primitive = new long[1];
      check(OneDnnNative.dnnl_primitive_create(primitive, pd[0]), "dnnl_primitive_create (sgemm)");
      Packing packing = s.packed ? packing(plainB,
          OneDnnNative.dnnl_primitive_desc_query_md(pd[0], OneDnnNative.QUERY_WEIGHTS_MD, 0)) : null;
      return new Product(primitive[0], memory(aDesc),
          packing != null ? packing.packed : memory(bDesc), memory(cDesc),
          s.bias ? memory(biasDesc) : 0, s.scaled ? memory(scaleDesc) : 0, packing);
    } finally {
      if (pd[0] != 0) {
        OneDnnNative.dnnl_primitive_desc_destroy(pd[0]);
      }
      if (postOps != 0) {
        OneDnnNative.dnnl_post_ops_destroy(postOps);
      }
      if (attr != 0) {
        OneDnnNative.dnnl_primitive_attr_destroy(attr);
      }
      for (long d : new long[] {aDesc, bDesc, cDesc, biasDesc, scaleDesc}) {
        if (d != 0) {
          OneDnnNative.dnnl_memory_desc_destroy(d);
        }
      }
      if (plainB != bDesc) {
        OneDnnNative.dnnl_memory_desc_destroy(plainB);
      }
    }
  }

  /**
   * The reorder that packs B from its plain layout into {@code packedDesc} (the layout the matmul
   * chose; owned by its primitive descriptor), with the packing scratch grown to hold it.
   */
  private Packing packing(long plainDesc, long packedDesc) {
    long bytes = OneDnnNative.dnnl_memory_desc_get_size(packedDesc);
    if (packed == null || packed.size() < bytes) {
      if (packed != null) {
        packed.close();
      }
      packed = new Memory(bytes);
    }
    long[] pd = new long[1];
    check(OneDnnNative.dnnl_reorder_primitive_desc_create(pd, plainDesc, engine, packedDesc,
        engine, 0), "dnnl_reorder_primitive_desc_create (packing B)");
    long[] reorder = new long[1];
    try {
      check(OneDnnNative.dnnl_primitive_create(reorder, pd[0]), "dnnl_primitive_create (packing B)");
    } finally {
      OneDnnNative.dnnl_primitive_desc_destroy(pd[0]);
    }
    return new Packing(reorder[0], memory(plainDesc), memory(packedDesc));
  }

  /**
   * How a product packs its B before each call: the reorder from B where it lies ({@code plain},
   * data pointer set per call) into the thread's packing scratch ({@code packed}, the matmul's
   * weights).
   */
  private static final class Packing {
    final long reorder;
    final long plain;
    final long packed;
    final Memory args = OneDnn.arguments(OneDnnNative.ARG_SRC, OneDnnNative.ARG_DST);

    Packing(long reorder, long plain, long packed) {
      this.reorder = reorder;
      this.plain = plain;
      this.packed = packed;
      args.setLong(8, plain);
      args.setLong(ARG_BYTES + 8, packed);
    }

    /** Destroys the reorder and the plain memory; {@code packed} is the product's B. */
    void free() {
      OneDnnNative.dnnl_primitive_destroy(reorder);
      OneDnnNative.dnnl_memory_destroy(plain);
    }
  }

  /** oneDNN's eltwise algorithm computing {@code activation}. */
  static int eltwise(Activation activation) {
    return switch (activation) {
      case GELU -> OneDnnNative.ELTWISE_GELU_ERF;
      case GELU_TANH -> OneDnnNative.ELTWISE_GELU_TANH;
      case RELU -> OneDnnNative.ELTWISE_RELU;
      case SWISH -> OneDnnNative.ELTWISE_SWISH;
      case TANH -> OneDnnNative.ELTWISE_TANH;
    };
  }

  /**
   * A row-major [rows, columns] operand, stored transposed (column-major) where {@code trans}. A
   * dimension of extent 1 gets the leading dimension as its stride too: oneDNN 3.8 wrote a
   * [m, 1] destination whose rows lie {@code leading} > 1 apart as if it were contiguous when the
   * column stride was 1 (over the padding between its rows; found by {@code OneDnnSgemmTest}).
   */
  private static long desc(int rows, int columns, boolean trans, int leading) {
    long[] strides = trans ? new long[] {1, leading} : new long[] {leading, 1};
    if (trans ? rows == 1 : columns == 1) {
      strides[trans ? 0 : 1] = leading;
    }
    return OneDnn.descriptor(new long[] {rows, columns}, OneDnnNative.F32, strides);
  }

  /** A memory object of {@code desc} whose data pointer is set per call. */
  private long memory(long desc) {
    return OneDnn.memory(engine, desc, 0);
  }

  private static void set(long memory, long address) {
    check(OneDnnNative.dnnl_memory_set_data_handle(memory, address), "dnnl_memory_set_data_handle");
  }

  /** Shapes with a primitive held; for tests. */
  int cached() {
    return products.size();
  }

  @Override
  public void close() {
    for (Product p : products.values()) {
      p.free();
    }
    products.clear();
    if (packed != null) {
      packed.close();
      packed = null;
    }
    OneDnnNative.dnnl_stream_destroy(stream);
  }

  /**
   * Everything that selects a primitive; mutable so that a lookup allocates no key (a record per
   * call was 2 × 40 bytes a pair in the attention's products).
   */
  private static final class Shape {
    private boolean transA;
    private boolean transB;
    private int m;
    private int n;
    private int k;
    private int lda;
    private int ldb;
    private int ldc;
    private boolean accumulate;
    private boolean bias;
    private boolean scaled;
    private Activation activation;
    private boolean packed;

    Shape set(boolean transA, boolean transB, int m, int n, int k, int lda, int ldb, int ldc,
        boolean accumulate, boolean bias, boolean scaled) {
      this.transA = transA;
      this.transB = transB;
      this.m = m;
      this.n = n;
      this.k = k;
      this.lda = lda;
      this.ldb = ldb;
      this.ldc = ldc;
      this.accumulate = accumulate;
      this.bias = bias;
      this.scaled = scaled;
      return this;
    }

    /** Sets the activation applied after the product (null for none). */
    Shape activation(Activation activation) {
      this.activation = activation;
      return this;
    }

    /** Sets whether B is packed into oneDNN's layout before each product. */
    Shape packed(boolean packed) {
      this.packed = packed;
      return this;
    }

    Shape copy() {
      return new Shape().set(transA, transB, m, n, k, lda, ldb, ldc, accumulate, bias, scaled)
          .activation(activation).packed(packed);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Shape s && transA == s.transA && transB == s.transB && m == s.m
          && n == s.n && k == s.k && lda == s.lda && ldb == s.ldb && ldc == s.ldc
          && accumulate == s.accumulate && bias == s.bias && scaled == s.scaled
          && activation == s.activation && packed == s.packed;
    }

    @Override
    public int hashCode() {
      int h = ((packed ? 1 : 0) << 5) | ((transA ? 1 : 0) << 4) | ((transB ? 1 : 0) << 3)
          | ((accumulate ? 1 : 0) << 2) | ((bias ? 1 : 0) << 1) | (scaled ? 1 : 0);
      h = 31 * h + m;
      h = 31 * h + n;
      h = 31 * h + k;
      h = 31 * h + lda;
      h = 31 * h + ldb;
      h = 31 * h + ldc;
      return 31 * h + (activation == null ? 0 : activation.ordinal() + 1);
    }

    @Override
    public String toString() {
      return (transA ? "T" : "N") + (transB ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k
          + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc + (accumulate ? " accumulate" : "")
          + (bias ? " bias" : "") + (scaled ? " scaled" : "")
          + (activation == null ? "" : " " + activation) + (packed ? " packed B" : "");
    }
  }

  /**
   * One shape's primitive, its operand memories (data pointers set per call; {@code bias} and
   * {@code scale} 0 where the product has none), the float alpha that {@code scale} holds, and the
   * argument list.
   */
  private static final class Product {
    final long matmul;
    final long a;
    final long b;
    final long c;
    final long bias;
    final long scale;
    final Memory alpha = new Memory(Float.BYTES);
    final int arguments;
    final Memory args = new Memory(5L * ARG_BYTES);
    /** Where B is packed before each call; null where it is used as it lies. */
    final Packing packing;

    Product(long matmul, long a, long b, long c, long bias, long scale, Packing packing) {
      this.matmul = matmul;
      this.packing = packing;
      this.a = a;
      this.b = b;
      this.c = c;
      this.bias = bias;
      this.scale = scale;
      args.clear();
      int[] ids = {OneDnnNative.ARG_SRC, OneDnnNative.ARG_WEIGHTS, OneDnnNative.ARG_DST,
          OneDnnNative.ARG_BIAS, OneDnnNative.ARG_ATTR_SCALES | OneDnnNative.ARG_SRC};
      long[] memories = {a, b, c, bias, scale};
      int count = 0;
      for (int i = 0; i < ids.length; i++) {
        if (memories[i] != 0) {
          args.setInt((long) count * ARG_BYTES, ids[i]);
          args.setLong((long) count * ARG_BYTES + 8, memories[i]);
          count++;
        }
      }
      this.arguments = count;
      if (scale != 0) {
        alpha.setFloat(0, 1f);
        set(scale, Pointer.nativeValue(alpha));
      }
    }

    void free() {
      OneDnnNative.dnnl_primitive_destroy(matmul);
      if (packing != null) {
        packing.free();
      }
      for (long m : new long[] {a, b, c, bias, scale}) {
        if (m != 0) {
          OneDnnNative.dnnl_memory_destroy(m);
        }
      }
    }
  }
}
