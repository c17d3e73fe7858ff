package bert4j.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One compiled form of the kernels, as packaged by the build (compile-kernels.sh): machine code
 * (cubin) or PTX for one architecture, a resource {@code bert4j/cuda/kernels_sm80.cubin} etc.
 *
 * @param resource the resource name
 * @param ptx whether it is PTX, which the driver compiles for the device when loading it
 * @param bytes the contents, NUL-terminated for PTX as the driver wants
 */
record KernelImage(String resource, boolean ptx, byte[] bytes) {
  /** The architectures the build compiles for, newest first. */
  static final int[] ARCHITECTURES = {90, 80};

  private static final String PREFIX = "bert4j/cuda/kernels_sm";

  /** Whether the jar holds any kernels (false when it was built without nvcc). */
  static boolean bundled() {
    for (int arch : ARCHITECTURES) {
      if (KernelImage.class.getClassLoader().getResource(PREFIX + arch + ".ptx") != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * What a device of compute capability {@code major.minor} can load, best first: the cubin of the
   * newest architecture of the same major version not above it (cubins run on later minor
   * versions), then the PTX of the newest architecture not above it (the driver compiles PTX for
   * any later device). Empty when the device predates every architecture built.
   */
  static List<KernelImage> candidates(int major, int minor) {
    int capability = 10 * major + minor;
    List<KernelImage> images = new ArrayList<>();
    for (int arch : ARCHITECTURES) {
      if (arch <= capability && arch / 10 == major) {
        load(PREFIX + arch + ".cubin", false, images);
        break;
      }
    }
    for (int arch : ARCHITECTURES) {
      if (arch <= capability) {
        load(PREFIX + arch + ".ptx", true, images);
        break;
      }
    }
    return images;
  }

  private static void load(String resource, boolean ptx, List<KernelImage> images) {
    try (InputStream in = KernelImage.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        return;
      }
      byte[] bytes = in.readAllBytes();
      byte[] contents = ptx ? Arrays.copyOf(bytes, bytes.length + 1) : bytes;
      images.add(new KernelImage(resource, ptx, contents));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  /** "sm_90 cubin", "sm_80 PTX". */
  String describe() {
    String arch = resource.substring(PREFIX.length(), resource.lastIndexOf('.'));
    return "sm_" + arch + (ptx ? " PTX" : " cubin");
  }
}
