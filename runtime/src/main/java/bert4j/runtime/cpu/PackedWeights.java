package bert4j.runtime.cpu;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The dense layers' weight matrices in oneDNN's packed layout, for {@link PackedLinear}:
 * each converted to bf16, or quantised per output channel to int8 (symmetric, scale = max |w| / 127),
 * and reordered into the layout oneDNN chose, once, on first use. A matrix is prepared again after
 * anything writes to the memory holding it (loading weights writes through {@link CpuKernels}, which
 * reports it here), and freed once that memory is closed (at the next preparation).
 */
final class PackedWeights implements AutoCloseable {
  private final Precision precision;
  private final long engine;
  private final long stream;
  private final int threads;
  private final Map<CpuWindow, long[]> generations = new IdentityHashMap<>();
  private final Map<WeightKey, Packed> prepared = new HashMap<>();

  PackedWeights(Precision precision, long engine, int threads) {
    this.precision = precision;
    this.engine = engine;
    this.threads = threads;
    this.stream = OneDnn.stream(engine);
  }

  /** Records that {@code window} was written: weights prepared from it are stale. */
  void written(CpuWindow window) {
    long[] generation = generations.get(window);
    if (generation != null) {
      generation[0]++;
    }
  }

  /**
   * The weights w {@code [outWidth, in]} at {@code wOff} of {@code window} in {@code layout} (a
   * oneDNN memory descriptor of {@code {in, outWidth}}), prepared now unless held and current.
   */
  Packed get(CpuWindow w, int wOff, int in, int outWidth, long layout) {
    long[] generation = generations.computeIfAbsent(w, k -> new long[1]);
    WeightKey key = new WeightKey(w, wOff, in, outWidth);
    Packed p = prepared.get(key);
    if (p != null && p.generation == generation[0]) {
      return p;
    }
    if (p != null) {
      p.free();
    }
    forgetClosedMemory();
    p = prepare(w, wOff, in, outWidth, layout, generation[0]);
    prepared.put(key, p);
    return p;
  }

  /** How many weight matrices are held prepared. */
  int count() {
    return prepared.size();
  }

  /** Frees the prepared copies of weights whose memory was closed (its model is gone). */
  private void forgetClosedMemory() {
    prepared.entrySet().removeIf(e -> {
      boolean gone = e.getKey().window().closed();
      if (gone) {
        e.getValue().free();
      }
      return gone;
    });
    generations.keySet().removeIf(CpuWindow::closed);
  }

  private Packed prepare(CpuWindow w, int wOff, int in, int outWidth, long layout,
      long generation) {
    long[] dims = {in, outWidth};
    long[] transposed = {1, in};
    long sourceDesc;
    long sourceAddress;
    ByteBuffer scales = null;
    if (precision == Precision.BF16) {
      sourceDesc = OneDnn.descriptor(dims, OneDnnNative.F32, transposed);
      sourceAddress = w.address() + 4L * wOff;
    } else {
      ByteBuffer quantized = ByteBuffer.allocateDirect(in * outWidth);
      scales = ByteBuffer.allocateDirect(4 * outWidth).order(ByteOrder.nativeOrder());
      quantize(w.floats(), wOff, in, outWidth, quantized, scales);
      sourceDesc = OneDnn.descriptor(dims, OneDnnNative.S8, transposed);
      sourceAddress = Pointer.nativeValue(Native.getDirectBufferPointer(quantized));
    }
    long source = OneDnn.memory(engine, sourceDesc, sourceAddress);
    long packed = OneDnn.memory(engine, layout, OneDnnNative.ALLOCATE);
    OneDnn.reorder(engine, stream, threads, sourceDesc, source, layout, packed);
    OneDnnNative.dnnl_memory_destroy(source);
    OneDnnNative.dnnl_memory_desc_destroy(sourceDesc);
    long scaleMemory = 0;
    if (scales != null) {
      long scaleDesc = OneDnn.descriptor(new long[] {outWidth}, OneDnnNative.F32, new long[] {1});
      scaleMemory = OneDnn.memory(engine, scaleDesc,
          Pointer.nativeValue(Native.getDirectBufferPointer(scales)));
      OneDnnNative.dnnl_memory_desc_destroy(scaleDesc);
    }
    return new Packed(packed, scaleMemory, scales, generation);
  }

  /** Each output channel's row of w to int8 with its own scale max |w| / 127. */
  private static void quantize(FloatBuffer ws, int wOff, int in, int outWidth, ByteBuffer quantized,
      ByteBuffer scales) {
    float[] row = new float[in];
    byte[] q = new byte[in];
    for (int o = 0; o < outWidth; o++) {
      ws.get(wOff + o * in, row, 0, in);
      float max = 0f;
      for (float v : row) {
        max = Math.max(max, Math.abs(v));
      }
      float inverse = max > 0f ? 127f / max : 0f;
      for (int i = 0; i < in; i++) {
        q[i] = (byte) Math.rint(row[i] * inverse);
      }
      quantized.put(o * in, q, 0, in);
      scales.putFloat(4 * o, max / 127f);
    }
  }

  @Override
  public void close() {
    for (Packed p : prepared.values()) {
      p.free();
    }
    prepared.clear();
    OneDnnNative.dnnl_stream_destroy(stream);
  }

  /** A weight matrix: where it lives and its shape. */
  private record WeightKey(CpuWindow window, int offset, int in, int out) {}

  /**
   * One weight matrix in oneDNN's packed layout, its per-channel scales for int8 (0 for bf16; the
   * buffer they live in is held here), and the generation of its memory it was prepared from.
   */
  record Packed(long memory, long scales, ByteBuffer scaleValues, long generation) {
    void free() {
      OneDnnNative.dnnl_memory_destroy(memory);
      if (scales != 0) {
        OneDnnNative.dnnl_memory_destroy(scales);
      }
    }
  }
}
