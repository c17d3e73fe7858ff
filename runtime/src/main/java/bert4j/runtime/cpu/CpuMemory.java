package bert4j.runtime.cpu;

import bert4j.runtime.kernels.Memory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Host memory of the CPU backend: one direct, native-order, zero-filled {@link FloatBuffer}. Kernels
 * read and write it with absolute gets and puts; BLAS calls take one of a few reusable duplicate views
 * per thread, positioned at the operand's offset, so no call allocates.
 */
public final class CpuMemory implements Memory {
  /** The most floats one direct buffer can hold (its capacity in bytes is an {@code int}). */
  public static final long MAX_FLOATS = Integer.MAX_VALUE / Float.BYTES;

  /** Views per thread: one for each operand of a gemm (A, B, C). */
  static final int OPERANDS = 3;

  private final long size;
  private ByteBuffer bytes;
  private FloatBuffer floats;
  private final FloatBuffer[] views;

  CpuMemory(long floats, int threads) {
    if (floats < 0 || floats > MAX_FLOATS) {
      throw new IllegalArgumentException("cannot allocate " + floats + " floats of CPU memory: one "
          + "direct buffer holds 0 to " + MAX_FLOATS + " floats (2 GiB)");
    }
    this.size = floats;
    this.bytes = ByteBuffer.allocateDirect((int) floats * Float.BYTES).order(ByteOrder.nativeOrder());
    this.floats = bytes.asFloatBuffer();
    this.views = new FloatBuffer[threads * OPERANDS];
    for (int i = 0; i < views.length; i++) {
      views[i] = this.floats.duplicate();
    }
  }

  @Override
  public long size() {
    return size;
  }

  /** The whole buffer, for absolute gets and puts. */
  FloatBuffer floats() {
    FloatBuffer f = floats;
    if (f == null) {
      throw new IllegalStateException("CPU memory of " + size + " floats used after close()");
    }
    return f;
  }

  /**
   * A view of the buffer for {@code thread}'s gemm operand {@code operand} (0 to 2), positioned at
   * {@code offset}; valid until that thread asks for the same operand again.
   */
  FloatBuffer view(int thread, int operand, int offset) {
    floats();
    FloatBuffer view = views[thread * OPERANDS + operand];
    view.position(offset);
    return view;
  }

  /**
   * Releases the native memory now when the JDK lets us, else leaves it to the garbage collector.
   * Idempotent.
   */
  @Override
  public void close() {
    ByteBuffer b = bytes;
    if (b == null) {
      return;
    }
    bytes = null;
    floats = null;
    Arrays.fill(views, null);
    Cleaner.clean(b);
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
