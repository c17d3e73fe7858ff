package bert4j.cuda;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A {@link Device} that runs the CUDA kernels compiled for the CPU (src/test/emulator: the same .cu
 * sources against a small CUDA emulator, built by Maven before the tests when g++ is here), so the
 * backend and its kernels are tested on machines without a GPU. Host memory stands in for device
 * memory; a launch runs the grid's blocks one after another.
 */
final class EmulatedDevice implements Device {
  /** The emulator library Maven builds; the system property says where. */
  static final String LIBRARY_PROPERTY = "bert4j.cuda.emulator";

  private static boolean loaded;

  private EmulatedDevice() {}

  /** Why the emulator cannot run here, or empty when it can. */
  static synchronized Optional<String> unavailableReason() {
    if (loaded) {
      return Optional.empty();
    }
    String library = System.getProperty(LIBRARY_PROPERTY);
    if (library == null) {
      return Optional.of("no CUDA emulator: the system property " + LIBRARY_PROPERTY
          + " is not set (Maven sets it)");
    }
    if (!Files.isRegularFile(Path.of(library))) {
      return Optional.of("no CUDA emulator at " + library + " (it needs g++ at build time)");
    }
    try {
      System.load(library);
    } catch (UnsatisfiedLinkError e) {
      return Optional.of("the CUDA emulator at " + library + " does not load: " + e.getMessage());
    }
    loaded = true;
    return Optional.empty();
  }

  /** A new emulated device; check {@link #unavailableReason} first. */
  static EmulatedDevice open() {
    unavailableReason().ifPresent(reason -> {
      throw new IllegalStateException(reason);
    });
    return new EmulatedDevice();
  }

  @Override
  public String name() {
    return "cuda emulator (CPU)";
  }

  @Override
  public int multiprocessors() {
    return 4;
  }

  @Override
  public long allocate(long bytes) {
    return allocateNative(bytes);
  }

  @Override
  public void free(long address) {
    freeNative(address);
  }

  @Override
  public void copyIn(float[] source, int offset, long address, int count) {
    copyInNative(source, 4L * offset, address, 4L * count);
  }

  @Override
  public void copyIn(int[] source, int offset, long address, int count) {
    copyInNative(source, 4L * offset, address, 4L * count);
  }

  @Override
  public void copyIn(double[] source, int offset, long address, int count) {
    copyInNative(source, 8L * offset, address, 8L * count);
  }

  @Override
  public void copyOut(long address, float[] target, int offset, int count) {
    copyOutNative(address, target, 4L * offset, 4L * count);
  }

  @Override
  public void copyOut(long address, double[] target, int offset, int count) {
    copyOutNative(address, target, 8L * offset, 8L * count);
  }

  @Override
  public void launch(String kernel, int gridX, int gridY, int gridZ, int threads, LaunchArgs args) {
    launchNative(kernel, gridX, gridY, gridZ, threads, args.slots());
  }

  @Override
  public void synchronize() {}

  @Override
  public void close() {}

  private static native long allocateNative(long bytes);

  private static native void freeNative(long address);

  private static native void copyInNative(Object array, long offset, long address, long bytes);

  private static native void copyOutNative(long address, Object array, long offset, long bytes);

  private static native void launchNative(String kernel, int gridX, int gridY, int gridZ,
      int threads, java.nio.ByteBuffer slots);
}
