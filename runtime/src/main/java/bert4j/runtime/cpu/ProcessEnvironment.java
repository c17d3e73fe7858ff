package bert4j.runtime.cpu;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Sets variables in the process environment (libc's {@code setenv}, through JNA), for native
 * libraries that read their settings from it when they load (OpenBLAS's kernels and threads,
 * OpenMP's wait policy). Java's own {@link System#getenv} view is not updated, so callers decide
 * from it before setting.
 */
final class ProcessEnvironment {
  private ProcessEnvironment() {}

  /** libc's environment functions. */
  private interface C extends Library {
    int setenv(String name, String value, int overwrite);
  }

  /** Sets {@code name} to {@code value} unless the process already has it. */
  static void setIfUnset(String name, String value) {
    Native.load("c", C.class).setenv(name, value, 0);
  }
}
