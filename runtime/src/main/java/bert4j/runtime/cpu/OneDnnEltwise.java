package bert4j.runtime.cpu;

import static bert4j.runtime.cpu.OneDnn.check;

import bert4j.dsl.Activation;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * A dense layer's activation, out = act(pre), and its derivative, dPre = dOut ⊙ act'(pre), over
 * contiguous floats through oneDNN's eltwise primitives (forward and backward, JIT-compiled for the
 * CPU's vector width), in blocks of {@link #BLOCK} floats that the pool's threads take side by side,
 * one OpenMP thread each. Why: the Java loops for GELU's derivative (erf and exp per element) took
 * 2.3–3.3 ns an element on one thread against 0.9 for oneDNN's backward, and GELU itself 0.7–0.9
 * against 0.45 (1,572,864 floats, AMD EPYC Zen 5, 2026-12-01); in BERT-base's training step at
 * 8 × 128 the two are 37.7 million elements each way.
 *
 * <p>Primitives are made per (activation, direction, length) on the calling thread before the pool
 * runs (a block's length, and the last block's), and the {@link #CAPACITY} most recently asked for
 * are kept;
 * each thread has its own stream and memory objects, so threads share only the primitive, which
 * oneDNN executes concurrently. Made and run with an OpenMP team of one, like {@link OneDnnSoftmax}.
 */
final class OneDnnEltwise implements AutoCloseable {
  /** Floats per block: 512 KB, about 60 µs of GELU, so a call's fixed cost stays small. */
  static final int BLOCK = 1 << 17;
  /** Primitives kept: a model needs two or three lengths per activation and direction. */
  private static final int CAPACITY = 16;
  /** Bytes of one {@code dnnl_exec_arg_t} (int argument, pointer to memory). */
  private static final int ARG_BYTES = 16;

  private final long engine;
  private final int threads;
  private final long[] streams;
  private final Primitive[] kept = new Primitive[CAPACITY];
  /** When each kept primitive was last asked for; the least recent is replaced. */
  private final long[] used = new long[CAPACITY];
  private long clock;

  OneDnnEltwise(OneDnn dnnl, int threads) {
    this.engine = dnnl.engine();
    this.threads = threads;
    this.streams = new long[threads];
    for (int t = 0; t < threads; t++) {
      streams[t] = OneDnn.stream(engine);
    }
  }

  /**
   * The primitive computing {@code activation} (its derivative where {@code backward}) over
   * {@code length} floats, made unless kept; call on the thread that then runs the pool.
   */
  Primitive prepare(Activation activation, boolean backward, int length) {
    int slot = 0;
    for (int i = 0; i < CAPACITY; i++) {
      Primitive p = kept[i];
      if (p != null && p.activation == activation && p.backward == backward && p.length == length) {
        used[i] = ++clock;
        return p;
      }
      if (used[i] < used[slot]) {
        slot = i;
      }
    }
    if (kept[slot] != null) {
      kept[slot].free();
      kept[slot] = null;
    }
    kept[slot] = new Primitive(activation, backward, length);
    used[slot] = ++clock;
    return kept[slot];
  }

  /** Runs {@code p} on {@code thread}: out = act(src), or (backward) out = dOut ⊙ act'(src). */
  void run(int thread, Primitive p, long src, long dOut, long out) {
    Memory args = p.args[thread];
    long[] memories = p.memories[thread];
    check(OneDnnNative.dnnl_memory_set_data_handle(memories[0], src), "dnnl_memory_set_data_handle");
    check(OneDnnNative.dnnl_memory_set_data_handle(memories[1], out), "dnnl_memory_set_data_handle");
    if (p.backward) {
      check(OneDnnNative.dnnl_memory_set_data_handle(memories[2], dOut),
          "dnnl_memory_set_data_handle");
    }
    OpenMpNative.omp_set_num_threads(1);
    check(OneDnnNative.dnnl_primitive_execute(p.primitive, streams[thread], memories.length,
        Pointer.nativeValue(args)), "dnnl_primitive_execute (eltwise)");
    check(OneDnnNative.dnnl_stream_wait(streams[thread]), "dnnl_stream_wait");
  }

  /** oneDNN's alpha for {@code activation}: swish's β = 1 (x·σ(x)), relu's negative slope 0. */
  static float alpha(Activation activation) {
    return activation == Activation.SWISH ? 1f : 0f;
  }

  /** One eltwise primitive over {@code length} floats, with each thread's memory objects. */
  final class Primitive {
    private final Activation activation;
    private final boolean backward;
    private final int length;
    private final long primitive;
    /** Per thread: source (pre), destination (out or dPre), and for the backward dOut. */
    private final long[][] memories;
    private final Memory[] args;

    private Primitive(Activation activation, boolean backward, int length) {
      this.activation = activation;
      this.backward = backward;
      this.length = length;
      long desc = OneDnn.descriptor(new long[] {length}, OneDnnNative.F32, new long[] {1});
      long[] forward = new long[1];
      long[] pd = new long[1];
      int algorithm = OneDnnSgemm.eltwise(activation);
      float alpha = alpha(activation);
      OpenMpNative.omp_set_num_threads(1);
      try {
        check(OneDnnNative.dnnl_eltwise_forward_primitive_desc_create(forward, engine,
            backward ? OneDnnNative.FORWARD_TRAINING : OneDnnNative.FORWARD_INFERENCE, algorithm,
            desc, desc, alpha, 0f, 0), "dnnl_eltwise_forward_primitive_desc_create (" + activation
            + ", " + length + ")");
        if (backward) {
          check(OneDnnNative.dnnl_eltwise_backward_primitive_desc_create(pd, engine, algorithm,
              desc, desc, desc, alpha, 0f, forward[0], 0),
              "dnnl_eltwise_backward_primitive_desc_create (" + activation + ", " + length + ")");
        }
        long[] p = new long[1];
        check(OneDnnNative.dnnl_primitive_create(p, backward ? pd[0] : forward[0]),
            "dnnl_primitive_create (eltwise)");
        this.primitive = p[0];
        int[] ids = backward
            ? new int[] {OneDnnNative.ARG_SRC, OneDnnNative.ARG_DIFF_SRC, OneDnnNative.ARG_DIFF_DST}
            : new int[] {OneDnnNative.ARG_SRC, OneDnnNative.ARG_DST};
        this.memories = new long[threads][ids.length];
        this.args = new Memory[threads];
        for (int t = 0; t < threads; t++) {
          args[t] = OneDnn.arguments(ids);
          for (int i = 0; i < ids.length; i++) {
            memories[t][i] = OneDnn.memory(engine, desc, 0);
            args[t].setLong((long) ARG_BYTES * i + 8, memories[t][i]);
          }
        }
      } finally {
        if (pd[0] != 0) {
          OneDnnNative.dnnl_primitive_desc_destroy(pd[0]);
        }
        if (forward[0] != 0) {
          OneDnnNative.dnnl_primitive_desc_destroy(forward[0]);
        }
        OneDnnNative.dnnl_memory_desc_destroy(desc);
      }
    }

    private void free() {
      OneDnnNative.dnnl_primitive_destroy(primitive);
      for (long[] perThread : memories) {
        for (long m : perThread) {
          OneDnnNative.dnnl_memory_destroy(m);
        }
      }
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < CAPACITY; i++) {
      if (kept[i] != null) {
        kept[i].free();
        kept[i] = null;
      }
    }
    for (long s : streams) {
      OneDnnNative.dnnl_stream_destroy(s);
    }
  }
}
