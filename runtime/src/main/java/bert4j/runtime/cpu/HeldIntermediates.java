package bert4j.runtime.cpu;

import com.sun.jna.Pointer;
import java.util.HashSet;
import java.util.Set;

/**
 * The activations a model declared as read only by the next product
 * ({@code Kernels.linearIntermediate}), for {@link PackedLinear} in bf16: where a product may write
 * its output in bf16 (the feed-forward's first product, so that the second reads it with no
 * conversion pass), and the one output so written and not yet read. That one is widened back to
 * float32 in place (each value the bf16 it was rounded to) before anything but the product that
 * reads it touches it, so a read or a fallback to float32 sees float32.
 */
final class HeldIntermediates {
  private final Set<Declared> declared = new HashSet<>();
  /** The bf16 output no product has read yet; null for none. */
  private Held held;
  /** How many products have read a bf16 output. */
  private long read;

  /**
   * Declares rows {@code width} wide at {@code offset} of {@code window}, forgetting those of
   * memory that was closed (its model is gone).
   */
  void declare(CpuWindow window, int offset, int width) {
    declared.removeIf(d -> d.window.closed());
    declared.add(new Declared(window, offset, width));
  }

  /** How many activations are declared; for tests. */
  int declaredCount() {
    return declared.size();
  }

  /** Whether a product writing rows {@code width} wide at {@code offset} may write them in bf16. */
  boolean declared(CpuWindow window, int offset, int width) {
    return declared.contains(new Declared(window, offset, width));
  }

  /** Records that a product wrote {@code rows} rows {@code width} wide at {@code offset} in bf16. */
  void hold(CpuWindow window, int offset, int rows, int width) {
    held = new Held(window, offset, rows, width);
  }

  /**
   * Whether a product's x ({@code rows} × {@code in}, row stride {@code stride}, at {@code offset}
   * of {@code window}) is the held bf16 output: dense bf16 rows, to be read as they are.
   */
  boolean holds(CpuWindow window, int offset, int stride, int rows, int in) {
    return held != null && held.window == window && held.offset == offset && held.rows == rows
        && held.width == in && stride == in;
  }

  /** The held output was read by its product: nothing is held any more. */
  void taken() {
    held = null;
    read++;
  }

  /** How many products have read a bf16 output as their x. */
  long read() {
    return read;
  }

  /** Gives the held output float32 values back, if there is one and its memory is still open. */
  void release() {
    if (held != null && !held.window.closed()) {
      widen(held);
    }
    held = null;
  }

  /** Before {@code count} floats at {@code offset} of {@code window} are read or written. */
  void touching(CpuWindow window, int offset, long count) {
    if (held != null && held.window == window && offset < held.offset + held.floats()
        && held.offset < offset + count) {
      release();
    }
  }

  /**
   * Widens {@code h}'s dense bf16 rows, which fill the first half of its float32 extent, to float32
   * in place: all bf16 values are read before the first float is written.
   */
  private static void widen(Held h) {
    int n = h.floats();
    short[] low = new short[n];
    new Pointer(h.window.address() + 4L * h.offset).read(0, low, 0, n);
    float[] wide = new float[n];
    for (int i = 0; i < n; i++) {
      wide[i] = Float.intBitsToFloat(low[i] << 16);
    }
    h.window.floats().put(h.offset, wide, 0, n);
  }

  private record Declared(CpuWindow window, int offset, int width) {}

  private record Held(CpuWindow window, int offset, int rows, int width) {
    int floats() {
      return rows * width;
    }
  }
}
