package bert4j.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD8;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuPointerGetAttribute;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUpointer_attribute;
import jcuda.driver.CUresult;

/**
 * A GPU through the CUDA driver API (JCuda): the device's primary context, made current on
 * whichever thread calls; the kernels loaded from the best {@link KernelImage} for its compute
 * capability; memory by raw device address (the address of each allocation is kept with its JCuda
 * pointer, for copies); launches on the legacy default stream, so every operation runs after the
 * previous one.
 */
final class JCudaDevice implements Device {
  private final CUdevice device = new CUdevice();
  private final CUcontext context = new CUcontext();
  private final CUmodule module = new CUmodule();
  private final String name;
  private final int multiprocessors;
  private final Map<String, CUfunction> functions = new HashMap<>();
  private final TreeMap<Long, CUdeviceptr> allocations = new TreeMap<>();
  private Thread current;
  private LaunchArgs argsSeen;
  private Pointer argsPointer;
  private boolean closed;

  private JCudaDevice(int ordinal) {
    check(cuInit(0), "cuInit");
    check(cuDeviceGet(device, ordinal), "cuDeviceGet");
    int major = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
    int minor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
    multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
    byte[] chars = new byte[256];
    check(cuDeviceGetName(chars, chars.length, device), "cuDeviceGetName");
    int length = 0;
    while (length < chars.length && chars[length] != 0) {
      length++;
    }
    String gpu = new String(chars, 0, length, StandardCharsets.UTF_8);
    check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
    makeCurrent();
    KernelImage loaded = loadKernels(major, minor);
    name = "cuda:" + ordinal + " " + gpu + " (sm_" + major + minor + ", " + multiprocessors
        + " SMs, kernels: " + loaded.describe() + ")";
  }

  /** Opens GPU number {@code ordinal}; fails with the driver's error when it cannot. */
  static JCudaDevice open(int ordinal) {
    return new JCudaDevice(ordinal);
  }

  private KernelImage loadKernels(int major, int minor) {
    List<KernelImage> images = KernelImage.candidates(major, minor);
    if (images.isEmpty()) {
      throw new IllegalStateException("no CUDA kernels for compute capability " + major + "."
          + minor + " in this jar (built for sm_80 and sm_90, or without nvcc)");
    }
    List<String> failures = new ArrayList<>();
    for (KernelImage image : images) {
      int result = cuModuleLoadData(module, image.bytes());
      if (result == CUresult.CUDA_SUCCESS) {
        return image;
      }
      failures.add(image.describe() + ": " + CUresult.stringFor(result));
    }
    throw new IllegalStateException("the CUDA driver loads none of the kernel images: " + failures);
  }

  private int attribute(int attribute) {
    int[] value = new int[1];
    check(cuDeviceGetAttribute(value, attribute, device), "cuDeviceGetAttribute");
    return value[0];
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int multiprocessors() {
    return multiprocessors;
  }

  @Override
  public long allocate(long bytes) {
    makeCurrent();
    CUdeviceptr pointer = new CUdeviceptr();
    long size = Math.max(bytes, 1);
    check(cuMemAlloc(pointer, size), "cuMemAlloc(" + size + " bytes)");
    check(cuMemsetD8(pointer, (byte) 0, size), "cuMemsetD8");
    long[] address = new long[1];
    check(cuPointerGetAttribute(Pointer.to(address),
        CUpointer_attribute.CU_POINTER_ATTRIBUTE_DEVICE_POINTER, pointer), "cuPointerGetAttribute");
    allocations.put(address[0], pointer);
    return address[0];
  }

  @Override
  public void free(long address) {
    makeCurrent();
    CUdeviceptr pointer = allocations.remove(address);
    if (pointer == null) {
      throw new IllegalArgumentException("no allocation at device address " + address);
    }
    check(cuMemFree(pointer), "cuMemFree");
  }

  /** The JCuda pointer to {@code address}, inside one of the allocations. */
  CUdeviceptr pointer(long address) {
    Map.Entry<Long, CUdeviceptr> allocation = allocations.floorEntry(address);
    if (allocation == null) {
      throw new IllegalArgumentException("device address " + address + " is in no allocation");
    }
    return allocation.getValue().withByteOffset(address - allocation.getKey());
  }

  @Override
  public void copyIn(float[] source, int offset, long address, int count) {
    makeCurrent();
    check(cuMemcpyHtoD(pointer(address), Pointer.to(source).withByteOffset(4L * offset),
        4L * count), "cuMemcpyHtoD");
  }

  @Override
  public void copyIn(int[] source, int offset, long address, int count) {
    makeCurrent();
    check(cuMemcpyHtoD(pointer(address), Pointer.to(source).withByteOffset(4L * offset),
        4L * count), "cuMemcpyHtoD");
  }

  @Override
  public void copyIn(double[] source, int offset, long address, int count) {
    makeCurrent();
    check(cuMemcpyHtoD(pointer(address), Pointer.to(source).withByteOffset(8L * offset),
        8L * count), "cuMemcpyHtoD");
  }

  @Override
  public void copyOut(long address, float[] target, int offset, int count) {
    makeCurrent();
    check(cuMemcpyDtoH(Pointer.to(target).withByteOffset(4L * offset), pointer(address),
        4L * count), "cuMemcpyDtoH");
  }

  @Override
  public void copyOut(long address, double[] target, int offset, int count) {
    makeCurrent();
    check(cuMemcpyDtoH(Pointer.to(target).withByteOffset(8L * offset), pointer(address),
        8L * count), "cuMemcpyDtoH");
  }

  @Override
  public void launch(String kernel, int gridX, int gridY, int gridZ, int threads, LaunchArgs args) {
    makeCurrent();
    if (args != argsSeen) {
      NativePointerObject[] slots = new NativePointerObject[LaunchArgs.SLOTS];
      Pointer buffer = Pointer.to(args.slots());
      for (int i = 0; i < slots.length; i++) {
        slots[i] = buffer.withByteOffset(8L * i);
      }
      argsPointer = Pointer.to(slots);
      argsSeen = args;
    }
    check(cuLaunchKernel(function(kernel), gridX, gridY, gridZ, threads, 1, 1, 0, null,
        argsPointer, null), kernel);
  }

  private CUfunction function(String kernel) {
    CUfunction function = functions.get(kernel);
    if (function == null) {
      function = new CUfunction();
      check(cuModuleGetFunction(function, module, kernel), "cuModuleGetFunction(" + kernel + ")");
      functions.put(kernel, function);
    }
    return function;
  }

  @Override
  public void synchronize() {
    makeCurrent();
    check(cuCtxSynchronize(), "cuCtxSynchronize");
  }

  /** Frees what is still allocated, unloads the kernels and releases the primary context. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    makeCurrent();
    for (CUdeviceptr pointer : allocations.values()) {
      cuMemFree(pointer);
    }
    allocations.clear();
    cuModuleUnload(module);
    cuDevicePrimaryCtxRelease(device);
  }

  private void makeCurrent() {
    if (closed) {
      throw new IllegalStateException(name + " used after close()");
    }
    if (Thread.currentThread() != current) {
      check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
      current = Thread.currentThread();
    }
  }

  private static void check(int result, String call) {
    if (result != CUresult.CUDA_SUCCESS) {
      throw new IllegalStateException("CUDA error " + CUresult.stringFor(result) + " in " + call);
    }
  }
}
