package bert4j.runtime.cpu;

import com.sun.jna.Memory;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Float32 dense-layer weights kept in oneDNN's packed layout in their own memory, for the float32
 * products of {@link PackedLinear}: a model created for inference declares each weight that only
 * linear layers read ({@code Kernels.linearWeight}), its first product packs it in place, column
 * block by column block (a block of w's output columns is a run of its rows), and any other access
 * to that memory (read, write, copy, fill) first gives the Hugging Face layout back. There is no
 * second copy: packed ahead, oneDNN no longer rearranges wᵀ on every call, which made BERT-base's
 * forward 3–8 % faster at 1 × 128, 8 × 128 and 1 × 512 (AMD EPYC Zen 5, 2 cores, 2026-12-01), and a
 * copy would cost the weights' memory twice. A weight whose packed blocks would not take exactly its
 * bytes, or whose products the packed layout cannot run, stays in its layout for good.
 */
final class InPlaceWeights implements AutoCloseable {
  private final long engine;
  private final long stream;
  private final int threads;
  private final Map<CpuWindow, Map<Integer, Weight>> declared = new IdentityHashMap<>();

  InPlaceWeights(long engine, int threads) {
    this.engine = engine;
    this.threads = threads;
    this.stream = OneDnn.stream(engine);
  }

  /** Declares w {@code [out, in]} at {@code offset} of {@code window}: its products may pack it. */
  void declare(CpuWindow window, int offset, int in, int out) {
    forgetClosedMemory();
    Map<Integer, Weight> weights = declared.computeIfAbsent(window, k -> new HashMap<>());
    Weight held = weights.get(offset);
    if (held != null) {
      if (held.in != in || held.out != out) {
        keepPlain(window, held);
      }
      return;
    }
    Weight w = new Weight(offset, in, out);
    for (Weight other : weights.values()) {
      if (other.overlaps(offset, (long) in * out)) {
        keepPlain(window, other);
        w.plain = true;
      }
    }
    weights.put(offset, w);
  }

  /** Whether the weight at {@code offset} of {@code window} was declared and may be packed. */
  boolean packable(CpuWindow window, int offset) {
    Map<Integer, Weight> weights = declared.get(window);
    Weight w = weights == null ? null : weights.get(offset);
    return w != null && !w.plain;
  }

  /**
   * The oneDNN memories of the declared weight's column blocks ({@code columns} wide, the last one
   * narrower), each in its block's entry of {@code layouts} (read, copied only when packing),
   * packing the weight now where it is in its own layout; null where a block's packed layout takes
   * other than its bytes (the weight then stays in its layout for good).
   */
  long[] packed(CpuWindow window, int offset, int columns, long[] layouts) {
    Weight w = declared.get(window).get(offset);
    if (w.memories != null) {
      if (w.columns == columns) {
        return w.memories;
      }
      unpack(window, w);
    }
    int count = (w.out + columns - 1) / columns;
    for (int b = 0; b < count; b++) {
      long bytes = 4L * Math.min(columns, w.out - b * columns) * w.in;
      if (OneDnnNative.dnnl_memory_desc_get_size(layouts[b]) != bytes) {
        w.plain = true;
        return null;
      }
    }
    w.memories = new long[0];
    w.layouts = Arrays.copyOf(layouts, count);
    w.columns = columns;
    for (int b = 0; b < count; b++) {
      try {
        packBlock(window, w, b);
      } catch (RuntimeException | Error e) {
        keepPlain(window, w);
        throw e;
      }
    }
    return w.memories;
  }

  /**
   * Packs block {@code b} of {@code w}, whose blocks before it are packed: the weight stays
   * consistent (its {@code memories} list the packed blocks) if this one fails.
   */
  private void packBlock(CpuWindow window, Weight w, int b) {
    int c0 = b * w.columns;
    int width = Math.min(w.columns, w.out - c0);
    int at = w.offset + c0 * w.in;
    long memory = OneDnn.memory(engine, w.layouts[b], window.address() + 4L * at);
    long plain = plainBlock(w.in, width);
    try {
      move(window, at, w.in * width, plain, w.layouts[b]);
    } catch (RuntimeException | Error e) {
      OneDnnNative.dnnl_memory_destroy(memory);
      throw e;
    } finally {
      OneDnnNative.dnnl_memory_desc_destroy(plain);
    }
    long[] memories = Arrays.copyOf(w.memories, b + 1);
    memories[b] = memory;
    w.memories = memories;
  }

  /** How many declared weights are packed now. */
  int packedCount() {
    return (int) declared.values().stream().flatMap(m -> m.values().stream())
        .filter(w -> w.memories != null).count();
  }

  /** Gives the declared weight at {@code offset} its layout back, for good. */
  void keepPlain(CpuWindow window, int offset) {
    keepPlain(window, declared.get(window).get(offset));
  }

  /**
   * Gives the Hugging Face layout back to every packed weight overlapping {@code count} floats at
   * {@code offset} of {@code window}, before something other than a product touches them.
   */
  void restore(CpuWindow window, int offset, long count) {
    Map<Integer, Weight> weights = declared.get(window);
    if (weights == null) {
      return;
    }
    for (Weight w : weights.values()) {
      if (w.memories != null && w.overlaps(offset, count)) {
        unpack(window, w);
      }
    }
  }

  private void keepPlain(CpuWindow window, Weight w) {
    if (w.memories != null) {
      unpack(window, w);
    }
    w.plain = true;
  }

  private void unpack(CpuWindow window, Weight w) {
    for (int b = 0; b < w.memories.length; b++) {
      int c0 = b * w.columns;
      int width = Math.min(w.columns, w.out - c0);
      long plain = plainBlock(w.in, width);
      try {
        move(window, w.offset + c0 * w.in, w.in * width, w.layouts[b], plain);
      } finally {
        OneDnnNative.dnnl_memory_desc_destroy(plain);
      }
      OneDnnNative.dnnl_memory_destroy(w.memories[b]);
    }
    w.memories = null;
    w.layouts = null;
  }

  /** A block of w {@code [width, in]} as oneDNN's {@code [in, width]} weights. */
  private static long plainBlock(int in, int width) {
    return OneDnn.descriptor(new long[] {in, width}, OneDnnNative.F32, new long[] {1, in});
  }

  /**
   * Rewrites {@code floats} floats at {@code at} of {@code window} from layout {@code fromDesc} to
   * {@code toDesc} (the same bytes), through a scratch freed at once.
   */
  private void move(CpuWindow window, int at, int floats, long fromDesc, long toDesc) {
    long address = window.address() + 4L * at;
    try (Memory scratch = new Memory(4L * floats)) {
      long from = OneDnn.memory(engine, fromDesc, address);
      long to = OneDnn.memory(engine, toDesc, com.sun.jna.Pointer.nativeValue(scratch));
      try {
        OneDnn.reorder(engine, stream, threads, fromDesc, from, toDesc, to);
      } finally {
        OneDnnNative.dnnl_memory_destroy(from);
        OneDnnNative.dnnl_memory_destroy(to);
      }
      FloatBuffer moved = scratch.getByteBuffer(0, 4L * floats).order(ByteOrder.nativeOrder())
          .asFloatBuffer();
      window.floats().put(at, moved, 0, floats);
    }
  }

  /** Forgets the weights of memory that was closed (its model is gone). */
  private void forgetClosedMemory() {
    for (Iterator<Map.Entry<CpuWindow, Map<Integer, Weight>>> i = declared.entrySet().iterator();
        i.hasNext(); ) {
      Map.Entry<CpuWindow, Map<Integer, Weight>> e = i.next();
      if (e.getKey().closed()) {
        e.getValue().values().forEach(Weight::forget);
        i.remove();
      }
    }
  }

  @Override
  public void close() {
    for (Map<Integer, Weight> weights : declared.values()) {
      weights.values().forEach(Weight::forget);
    }
    declared.clear();
    OneDnnNative.dnnl_stream_destroy(stream);
  }

  /**
   * One declared weight: where it starts, its widths, and while packed the block width, each
   * block's layout and oneDNN memory over it; {@code plain} once it stays in its layout for good.
   */
  private static final class Weight {
    final int offset;
    final int in;
    final int out;
    int columns;
    long[] layouts;
    long[] memories;
    boolean plain;

    Weight(int offset, int in, int out) {
      this.offset = offset;
      this.in = in;
      this.out = out;
    }

    boolean overlaps(long from, long count) {
      return from < offset + (long) in * out && offset < from + count;
    }

    /** Drops the memory objects of a packed weight whose memory is gone (nothing to restore). */
    void forget() {
      if (memories != null) {
        for (long m : memories) {
          OneDnnNative.dnnl_memory_destroy(m);
        }
        memories = null;
      }
    }
  }
}
