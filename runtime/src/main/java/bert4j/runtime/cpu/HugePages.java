package bert4j.runtime.cpu;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Asks Linux to back large, untouched memory with 2 MiB pages ({@code madvise(MADV_HUGEPAGE)}),
 * which transparent huge pages do only on request where the system's mode is {@code madvise} (the
 * usual default). Why: a training step streams gigabytes (parameters, gradients, Adam's moments, the
 * activations) and reads attention's heads strided through the q·k·v tensor, one 4 KiB page per
 * row, and every page costs a TLB entry. Advice only: where it cannot be given (another OS, huge
 * pages off) the memory works the same on small pages.
 */
final class HugePages {
  private static final Logger LOG = Logger.getLogger(HugePages.class.getName());
  /** The huge page size the advice is aligned to. */
  static final long SIZE = 2L << 20;
  /** MADV_HUGEPAGE (Linux, asm-generic/mman-common.h). */
  private static final int MADV_HUGEPAGE = 14;
  private static final boolean BOUND = bind();

  private HugePages() {}

  private static boolean bind() {
    if (!Platform.isLinux()) {
      return false;
    }
    try {
      Native.register(HugePages.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
      return true;
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "madvise not bound; memory stays on small pages", e);
      return false;
    }
  }

  private static native int madvise(long address, long length, int advice);

  /**
   * Advises huge pages for the whole 2 MiB extents inside {@code bytes} bytes from {@code address};
   * to take effect, call it before the memory is first touched. Returns whether the advice was
   * given.
   */
  static boolean advise(long address, long bytes) {
    long start = (address + SIZE - 1) & -SIZE;
    long end = (address + bytes) & -SIZE;
    if (!BOUND || end <= start) {
      return false;
    }
    return madvise(start, end - start, MADV_HUGEPAGE) == 0;
  }
}
