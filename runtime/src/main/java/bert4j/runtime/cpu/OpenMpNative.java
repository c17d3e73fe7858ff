package bert4j.runtime.cpu;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The one OpenMP function bert4j calls, bound by JNA's direct mapping to the {@code libgomp} that
 * oneDNN's preset carries: the team size of the calling thread's next parallel regions, 1 for every
 * product and softmax (each runs on one of bert4j's pool threads), the backend's thread count for
 * the one-off packing of reduced-precision weights.
 */
final class OpenMpNative {
  private OpenMpNative() {}

  static void register(NativeLibrary library) {
    Native.register(OpenMpNative.class, library);
  }

  static native void omp_set_num_threads(int threads);
}
