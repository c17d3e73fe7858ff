package bert4j.runtime.cpu;

import static bert4j.runtime.cpu.OneDnn.check;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * The softmax of each row of a float32 {@code [n, n]} matrix, in place, through oneDNN's softmax
 * primitive (its JIT kernel, {@code softmax_accurate}: the row max subtracted first), called by the
 * pool's threads side by side, one OpenMP thread each. Why: in the attention forward of BERT-base's
 * 96 pairs of 128 × 128 it takes 0.42 ms a thread against about 2 ms for the Java row pass (AMD
 * EPYC Zen 5, 2026-12-01); results agree to a float rounding. A key at −∞ gets probability exactly 0; a row that is −∞
 * everywhere comes out NaN (the caller overwrites it).
 *
 * <p>One primitive is kept, for the last n asked for ({@link #prepare}, on the calling thread before
 * the pool runs); each thread has its own stream, operand memory and argument list, so threads
 * only share the primitive, which oneDNN executes concurrently. The primitive is made with an
 * OpenMP team of 1, the team it runs with: made under the caller's team of 2 it ran 5× slower (2.3
 * against 0.42 ms a thread for those 96 pairs). {@link #prepare} and {@link #rows} leave the
 * calling thread's team at 1.
 */
final class OneDnnSoftmax implements AutoCloseable {
  /** Bytes of one {@code dnnl_exec_arg_t} (int argument, pointer to memory). */
  private static final int ARG_BYTES = 16;

  private final long engine;
  private final int threads;
  private final long[] streams;
  private final long[] memories;
  private final Memory[] args;
  private int n;
  private long primitive;

  OneDnnSoftmax(OneDnn dnnl, int threads) {
    this.engine = dnnl.engine();
    this.threads = threads;
    this.streams = new long[threads];
    this.memories = new long[threads];
    this.args = new Memory[threads];
    for (int t = 0; t < threads; t++) {
      streams[t] = OneDnn.stream(engine);
      args[t] = new Memory(2L * ARG_BYTES);
    }
  }

  /** Makes the primitive for {@code [n, n]} matrices, unless it is the one held. */
  void prepare(int n) {
    if (n == this.n && primitive != 0) {
      return;
    }
    free();
    long desc = OneDnn.descriptor(new long[] {n, n}, OneDnnNative.F32, new long[] {n, 1});
    long[] pd = new long[1];
    OpenMpNative.omp_set_num_threads(1);
    try {
      check(OneDnnNative.dnnl_softmax_forward_primitive_desc_create(pd, engine,
          OneDnnNative.FORWARD_INFERENCE, OneDnnNative.SOFTMAX_ACCURATE, desc, desc, 1, 0),
          "dnnl_softmax_forward_primitive_desc_create (" + n + " × " + n + ")");
      long[] p = new long[1];
      check(OneDnnNative.dnnl_primitive_create(p, pd[0]), "dnnl_primitive_create (softmax)");
      primitive = p[0];
      for (int t = 0; t < threads; t++) {
        memories[t] = OneDnn.memory(engine, desc, 0);
        args[t].setInt(0, OneDnnNative.ARG_SRC);
        args[t].setLong(8, memories[t]);
        args[t].setInt(ARG_BYTES, OneDnnNative.ARG_DST);
        args[t].setLong(ARG_BYTES + 8, memories[t]);
      }
    } finally {
      if (pd[0] != 0) {
        OneDnnNative.dnnl_primitive_desc_destroy(pd[0]);
      }
      OneDnnNative.dnnl_memory_desc_destroy(desc);
    }
    this.n = n;
  }

  /**
   * Softmaxes the {@code [n, n]} matrix of the prepared n at {@code offset} floats into
   * {@code window}, in place, on {@code thread} alone (its OpenMP team set to 1).
   */
  void rows(int thread, CpuWindow window, int offset) {
    check(OneDnnNative.dnnl_memory_set_data_handle(memories[thread],
        window.address() + 4L * offset), "dnnl_memory_set_data_handle");
    OpenMpNative.omp_set_num_threads(1);
    check(OneDnnNative.dnnl_primitive_execute(primitive, streams[thread], 2,
        Pointer.nativeValue(args[thread])), "dnnl_primitive_execute (softmax)");
    check(OneDnnNative.dnnl_stream_wait(streams[thread]), "dnnl_stream_wait");
  }

  private void free() {
    if (primitive != 0) {
      OneDnnNative.dnnl_primitive_destroy(primitive);
      primitive = 0;
      for (int t = 0; t < threads; t++) {
        OneDnnNative.dnnl_memory_destroy(memories[t]);
        memories[t] = 0;
      }
    }
  }

  @Override
  public void close() {
    free();
    for (long s : streams) {
      OneDnnNative.dnnl_stream_destroy(s);
    }
  }
}
