package bert4j.runtime.cpu;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The few functions of oneDNN's C API that the CPU backend calls (products, softmax, eltwise),
 * bound by JNA's direct mapping (no allocation per call). Handles and data pointers are passed as {@code long}
 * addresses and returned through one-element arrays; {@code dims} are int64 arrays. Constants are
 * oneDNN 3.8's enum values (dnnl_types.h, dnnl_common_types.h).
 */
final class OneDnnNative {
  static final int SUCCESS = 0;
  static final int ENGINE_CPU = 1;
  static final int STREAM_IN_ORDER = 1;
  static final int BF16 = 2;
  static final int F32 = 3;
  static final int S8 = 5;
  static final int TAG_ANY = 1;
  static final int QUERY_WEIGHTS_MD = 131;
  static final int ARG_SRC = 1;
  static final int ARG_DST = 17;
  static final int ARG_WEIGHTS = 33;
  /** DNNL_ARG_DIFF_SRC and DNNL_ARG_DIFF_DST: an eltwise backward's dPre and dOut. */
  static final int ARG_DIFF_SRC = 129;
  static final int ARG_DIFF_DST = 145;
  static final int ARG_BIAS = 41;
  static final int ARG_ATTR_SCALES = 4096;
  /** dnnl_alg_kind_t of the eltwise post-ops the dense layers use. */
  static final int ELTWISE_RELU = 0x20;
  static final int ELTWISE_TANH = 0x21;
  static final int ELTWISE_GELU_TANH = 0x2b;
  static final int ELTWISE_SWISH = 0x2c;
  static final int ELTWISE_GELU_ERF = 0x31;
  /**
   * dnnl_forward_training (the hint an eltwise backward is made from), dnnl_forward_inference, and
   * dnnl_softmax_accurate (subtracts the row max first).
   */
  static final int FORWARD_TRAINING = 64;
  static final int FORWARD_INFERENCE = 96;
  static final int SOFTMAX_ACCURATE = 0x30000;
  /** dnnl_data_type_undef: a sum post-op reads the destination in its own type. */
  static final int DATA_TYPE_UNDEF = 0;
  /** DNNL_MEMORY_ALLOCATE: the library allocates the memory's buffer. */
  static final long ALLOCATE = -1L;
  /** dnnl_cpu_isa_t bits of AVX-512 with VNNI (int8) and of AVX-512 BF16 (a superset). */
  static final int ISA_AVX512_CORE_VNNI = 0x67;
  static final int ISA_AVX512_CORE_BF16 = 0xe7;
  /** AVX2 VNNI, the other ISA oneDNN runs int8 matmul with VNNI on. */
  static final int ISA_AVX2_VNNI = 0xf;

  private OneDnnNative() {}

  static void register(NativeLibrary library) {
    Native.register(OneDnnNative.class, library);
  }

  static native int dnnl_get_effective_cpu_isa();

  static native int dnnl_engine_create(long[] engine, int kind, long index);

  static native int dnnl_stream_create(long[] stream, long engine, int flags);

  static native int dnnl_stream_wait(long stream);

  static native int dnnl_stream_destroy(long stream);

  static native int dnnl_memory_desc_create_with_strides(long[] desc, int ndims, long[] dims,
      int dataType, long[] strides);

  static native int dnnl_memory_desc_create_with_tag(long[] desc, int ndims, long[] dims,
      int dataType, int tag);

  static native int dnnl_memory_desc_destroy(long desc);

  static native long dnnl_memory_desc_get_size(long desc);

  static native long dnnl_primitive_desc_query_md(long primitiveDesc, int what, int index);

  static native int dnnl_primitive_attr_create(long[] attr);

  static native int dnnl_primitive_attr_destroy(long attr);

  static native int dnnl_primitive_attr_set_scales_mask(long attr, int arg, int mask);

  static native int dnnl_primitive_attr_set_post_ops(long attr, long postOps);

  static native int dnnl_post_ops_create(long[] postOps);

  static native int dnnl_post_ops_destroy(long postOps);

  static native int dnnl_post_ops_append_sum(long postOps, float scale, int zeroPoint,
      int dataType);

  static native int dnnl_post_ops_append_eltwise(long postOps, int algorithm, float alpha,
      float beta);

  static native int dnnl_matmul_primitive_desc_create(long[] primitiveDesc, long engine, long src,
      long weights, long bias, long dst, long attr);

  static native int dnnl_softmax_forward_primitive_desc_create(long[] primitiveDesc, long engine,
      int propKind, int algKind, long src, long dst, int axis, long attr);

  static native int dnnl_eltwise_forward_primitive_desc_create(long[] primitiveDesc, long engine,
      int propKind, int algKind, long src, long dst, float alpha, float beta, long attr);

  static native int dnnl_eltwise_backward_primitive_desc_create(long[] primitiveDesc, long engine,
      int algKind, long diffSrc, long diffDst, long data, float alpha, float beta, long hintForward,
      long attr);

  static native int dnnl_reorder_primitive_desc_create(long[] primitiveDesc, long src,
      long srcEngine, long dst, long dstEngine, long attr);

  static native int dnnl_primitive_desc_destroy(long primitiveDesc);

  static native int dnnl_primitive_create(long[] primitive, long primitiveDesc);

  static native int dnnl_primitive_destroy(long primitive);

  static native int dnnl_primitive_execute(long primitive, long stream, int nargs, long args);

  static native int dnnl_memory_create(long[] memory, long desc, long engine, long handle);

  static native int dnnl_memory_set_data_handle(long memory, long handle);

  static native int dnnl_memory_destroy(long memory);
}
