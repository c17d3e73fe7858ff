package bert4j.runtime.cpu;

import bert4j.runtime.kernels.Memory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.Pointer;

/**
 * Host memory of the CPU backend, zero-filled, of any size. Java buffers take int indices, so the
 * kernels address it through {@link CpuWindow}s: memory of up to {@link #WINDOW_FLOATS} floats is
 * one window; larger memory is seen through overlapping windows of {@code 2 × stride − 1} floats
 * that start every {@code stride} floats ({@link #DEFAULT_STRIDE}: windows of 2 GiB every GiB). The
 * window of an offset is the one starting at or just below it, so every tensor of up to
 * {@code stride} floats lies inside the window of its first float, wherever it starts
 * ({@link #fits}; the backend checks every kernel argument).
 *
 * <p>Memory that fits one window is a direct buffer, except memory for training
 * ({@code Kernels.allocateForTraining}) of {@link #HUGE_PAGE_FLOATS} floats or more: that, like
 * memory larger than a window, is one native allocation (calloc, whose fresh pages are zero
 * without being touched), and is advised onto 2 MiB pages before its first touch
 * ({@link HugePages}).
 */
public final class CpuMemory implements Memory {
  /** The most floats one direct buffer can hold (its capacity in bytes is an {@code int}). */
  public static final long WINDOW_FLOATS = Integer.MAX_VALUE / Float.BYTES;

  /** How far apart the windows of memory larger than one window start: 2^28 floats (1 GiB). */
  static final long DEFAULT_STRIDE = 1L << 28;

  /**
   * From this many floats (32 MiB) on, memory for training is a native allocation on huge pages: a
   * training model's parameters, gradients, optimizer state and activation arena.
   */
  static final long HUGE_PAGE_FLOATS = 1L << 23;

  private final long size;
  private final long stride;
  private final CpuWindow[] windows;
  /** The buffer of memory that is one window, or null. */
  private ByteBuffer direct;
  /** The native allocation of memory larger than one window, or null. */
  private Pointer allocation;

  /**
   * {@code floats} zeros for a backend of {@code threads} threads, in windows {@code stride} floats
   * apart when more than {@code 2 × stride − 1}; with {@code hugePages}, from
   * {@link #HUGE_PAGE_FLOATS} floats on advised onto 2 MiB pages.
   */
  CpuMemory(long floats, int threads, long stride, boolean hugePages) {
    if (floats < 0) {
      throw new IllegalArgumentException("cannot allocate " + floats + " floats of CPU memory: the "
          + "size must be >= 0");
    }
    this.size = floats;
    this.stride = stride;
    if ((!hugePages || floats < HUGE_PAGE_FLOATS) && floats <= windowFloats()) {
      direct = ByteBuffer.allocateDirect((int) floats * Float.BYTES).order(ByteOrder.nativeOrder());
      windows = new CpuWindow[] {new CpuWindow(direct.asFloatBuffer(), floats, threads)};
      return;
    }
    allocation = Pointer.calloc(floats, Float.BYTES);
    if (allocation == null || allocation.isNull()) {
      allocation = null;
      throw new OutOfMemoryError("cannot allocate " + floats + " floats (" + (floats >> 28)
          + " GiB) of native CPU memory");
    }
    if (hugePages) {
      HugePages.advise(allocation.address(), floats * Float.BYTES);
    }
    windows = new CpuWindow[floats <= windowFloats() ? 1 : (int) ((floats + stride - 1) / stride)];
    for (int i = 0; i < windows.length; i++) {
      long start = i * stride;
      long end = Math.min(floats, start + windowFloats());
      ByteBuffer bytes = new Span(allocation, start * Float.BYTES, (end - start) * Float.BYTES)
          .asByteBuffer().order(ByteOrder.nativeOrder());
      windows[i] = new CpuWindow(bytes.asFloatBuffer(), floats, threads);
    }
  }

  @Override
  public long size() {
    return size;
  }

  /** How many floats one window spans: {@code 2 × stride − 1}. */
  private long windowFloats() {
    return 2 * stride - 1;
  }

  /** Index of the window holding {@code offset}: the one starting at or just below it. */
  private int windowIndex(long offset) {
    return windows.length == 1 ? 0 : (int) Math.min(offset / stride, windows.length - 1);
  }

  /** The window through which the kernels address the tensor starting at {@code offset}. */
  CpuWindow window(long offset) {
    return windows[windowIndex(offset)];
  }

  /** {@code offset} as an index into {@link #window}{@code (offset)}. */
  int indexInWindow(long offset) {
    return (int) (offset - windowIndex(offset) * stride);
  }

  /** Whether {@code extent} floats from {@code offset} lie inside the window of {@code offset}. */
  boolean fits(long offset, long extent) {
    int window = windowIndex(offset);
    long end = Math.min(size, window * stride + windowFloats());
    return offset + extent <= end;
  }

  /** The most floats one kernel argument may span wherever it starts: the windows' stride. */
  long largestTensor() {
    return windows.length == 1 ? size : stride;
  }

  /**
   * Releases the memory now (a direct buffer: when the JDK lets us, else the garbage collector
   * does; a native allocation only here: memory of {@link #HUGE_PAGE_FLOATS} floats or more that
   * is never closed stays allocated). Idempotent.
   */
  @Override
  public void close() {
    if (direct == null && allocation == null) {
      return;
    }
    for (CpuWindow w : windows) {
      w.close();
    }
    if (direct != null) {
      ByteBuffer b = direct;
      direct = null;
      Cleaner.clean(b);
    } else {
      Pointer p = allocation;
      allocation = null;
      Pointer.free(p);
    }
  }

  /**
   * {@code bytes} bytes of a native allocation from {@code offset} on, as a pointer that starts
   * there: JavaCPP turns a pointer into a direct buffer correctly only from its own address (a
   * position past 2 GiB overflows).
   */
  private static final class Span extends Pointer {
    Span(Pointer allocation, long offset, long bytes) {
      address = allocation.address() + offset;
      limit(bytes);
      capacity(bytes);
    }

    /** Positions and limits count bytes. */
    @Override
    public int sizeof() {
      return 1;
    }
  }

  /** Frees a direct buffer eagerly through sun.misc.Unsafe#invokeCleaner, found reflectively. */
  private static final class Cleaner {
    private static final MethodHandle INVOKE_CLEANER = find();

    private static MethodHandle find() {
      try {
        Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
        Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
        theUnsafe.setAccessible(true);
        return MethodHandles.lookup()
            .findVirtual(unsafeClass, "invokeCleaner",
                MethodType.methodType(void.class, ByteBuffer.class))
            .bindTo(theUnsafe.get(null));
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null;
      }
    }

    static void clean(ByteBuffer buffer) {
      if (INVOKE_CLEANER == null) {
        return;
      }
      try {
        INVOKE_CLEANER.invokeExact(buffer);
      } catch (Throwable e) {
        // Best effort: the garbage collector frees the buffer later.
      }
    }
  }
}
