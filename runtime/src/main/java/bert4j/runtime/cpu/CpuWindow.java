package bert4j.runtime.cpu;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The part of a {@link CpuMemory} one direct {@link FloatBuffer} can address (at most
 * {@link CpuMemory#WINDOW_FLOATS} floats), as the kernels see it: absolute gets and puts at int
 * indices, and a few reusable duplicate views per thread for BLAS operands, positioned at the
 * operand's offset, so no call allocates. Memory that fits one buffer is one window.
 */
final class CpuWindow {
  /** Views per thread: one for each operand of a gemm (A, B, C). */
  static final int OPERANDS = 3;

  private final long memorySize;
  private FloatBuffer floats;
  private long address;
  private final FloatBuffer[] views;

  CpuWindow(FloatBuffer floats, long memorySize, int threads) {
    this.memorySize = memorySize;
    this.floats = floats;
    this.views = new FloatBuffer[threads * OPERANDS];
    for (int i = 0; i < views.length; i++) {
      views[i] = floats.duplicate();
    }
  }

  /** The window's floats, for absolute gets and puts. */
  FloatBuffer floats() {
    FloatBuffer f = floats;
    if (f == null) {
      throw new IllegalStateException("CPU memory of " + memorySize + " floats used after close()");
    }
    return f;
  }

  /** The native address of the window's first float, for libraries called through JNA. */
  long address() {
    FloatBuffer f = floats();
    if (address == 0) {
      address = Pointer.nativeValue(Native.getDirectBufferPointer(f));
    }
    return address;
  }

  /** Whether {@link #close()} has forgotten the window's buffers. */
  boolean closed() {
    return floats == null;
  }

  /** How many floats the window addresses. */
  int capacity() {
    return floats().capacity();
  }

  /**
   * A view of the window for {@code thread}'s gemm operand {@code operand} (0 to 2), positioned at
   * {@code offset}; valid until that thread asks for the same operand again.
   */
  FloatBuffer view(int thread, int operand, int offset) {
    floats();
    FloatBuffer view = views[thread * OPERANDS + operand];
    view.position(offset);
    return view;
  }

  /** Forgets the buffers (their memory is about to be freed); using the window afterwards fails. */
  void close() {
    floats = null;
    address = 0;
    Arrays.fill(views, null);
  }
}
