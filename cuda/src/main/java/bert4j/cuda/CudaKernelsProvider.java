package bert4j.cuda;

import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.KernelsProvider;
import com.google.auto.service.AutoService;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * The CUDA backend, "cuda", priority 10 (chosen over the CPU whenever it is usable). Usable when
 * the NVIDIA driver loads, a GPU of compute capability 8.0 or later is there, and the jar holds
 * kernels (it does when nvcc was present at build time). The check runs once per JVM and never
 * throws: every failure, a missing libcuda.so.1 included, becomes the reason.
 */
@AutoService(KernelsProvider.class)
public final class CudaKernelsProvider implements KernelsProvider {
  private static final Pattern LOADER_ERROR =
      Pattern.compile("[\\w.+-]+\\.so[.\\d]*: cannot open shared object file[^\\n]*");
  private static volatile Optional<String> reason;

  @Override
  public String name() {
    return "cuda";
  }

  @Override
  public int priority() {
    return 10;
  }

  @Override
  public Optional<String> unavailableReason() {
    Optional<String> r = reason;
    if (r == null) {
      synchronized (CudaKernelsProvider.class) {
        if (reason == null) {
          reason = Optional.ofNullable(probe());
        }
        r = reason;
      }
    }
    return r;
  }

  @Override
  public Kernels create() {
    return CudaKernels.open();
  }

  /** Why the backend cannot run here, or null when it can. */
  private static String probe() {
    try {
      int result = JCudaDriver.cuInit(0);
      if (result == CUresult.CUDA_ERROR_NO_DEVICE) {
        return "no CUDA device";
      }
      if (result != CUresult.CUDA_SUCCESS) {
        return "the CUDA driver did not initialise: " + CUresult.stringFor(result);
      }
      int[] count = new int[1];
      JCudaDriver.cuDeviceGetCount(count);
      if (count[0] == 0) {
        return "no CUDA device";
      }
      CUdevice device = new CUdevice();
      JCudaDriver.cuDeviceGet(device, 0);
      int[] major = new int[1];
      int[] minor = new int[1];
      JCudaDriver.cuDeviceGetAttribute(major,
          CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
      JCudaDriver.cuDeviceGetAttribute(minor,
          CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
      if (major[0] < 8) {
        return "the GPU has compute capability " + major[0] + "." + minor[0]
            + "; the kernels need 8.0 or later";
      }
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      String cause = loaderError(e.getMessage());
      return cause.contains("libcuda")
          ? "no libcuda.so.1 (JCuda could not load the driver: " + cause + ")"
          : "JCuda's native library did not load: " + cause;
    } catch (RuntimeException e) {
      return "the CUDA driver failed: " + e;
    }
    if (!KernelImage.bundled()) {
      return "no kernels: the cuda module was built without nvcc";
    }
    return null;
  }

  /**
   * What the dynamic loader said, from JCuda's many-line message ("libcuda.so.1: cannot open shared
   * object file: No such file or directory"), else the message's first line.
   */
  static String loaderError(String message) {
    if (message == null) {
      return "no message";
    }
    Matcher m = LOADER_ERROR.matcher(message);
    if (m.find()) {
      return m.group().strip();
    }
    int end = message.indexOf('\n');
    return (end < 0 ? message : message.substring(0, end)).strip();
  }
}
