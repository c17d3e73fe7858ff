package bert4j.runtime.cpu;

import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * oneDNN, Intel's library of deep-learning primitives (the CPU build that JavaCPP's {@code dnnl}
 * preset carries on Maven Central, OpenMP threads), loaded once per process for the linear layers'
 * products: float32 ({@link OneDnnSgemm}) and bf16/int8 ({@link PackedLinear}). Only the
 * preset's native libraries are used: they are copied from the class path to a per-user directory
 * under {@code java.io.tmpdir} and bound by JNA ({@link OneDnnNative}), so the preset's JavaCPP
 * version need not match the one OpenBLAS's preset uses. Products run single-threaded on bert4j's
 * own pool threads; only the one-off packing of bf16/int8 weights uses OpenMP's team. Before
 * OpenMP loads, {@code OMP_WAIT_POLICY} is set to {@code PASSIVE} where unset: OpenMP's threads then
 * sleep between products instead of spinning against bert4j's own workers on the same cores.
 */
final class OneDnn {
  static final String VERSION = "3.8.1-1.5.12";
  private static final String[] LIBRARIES = {
      "org/bytedeco/dnnl/linux-x86_64/libgomp.so.1",
      "org/bytedeco/opencl/linux-x86_64/libOpenCL.so.1",
      "org/bytedeco/dnnl/linux-x86_64/libdnnl.so.3"};

  /** The process's engine, and the ISA oneDNN detected. */
  private final long engine;
  private final int isa;

  private OneDnn(long engine, int isa) {
    this.engine = engine;
    this.isa = isa;
  }

  /** Loaded on first use; {@code failure} says why not where {@code library} is null. */
  private record Loaded(OneDnn library, String failure) {
    static final Loaded INSTANCE = load();
  }

  /** The process's oneDNN, or null where it could not be loaded ({@link #failure()} says why). */
  static OneDnn get() {
    return Loaded.INSTANCE.library();
  }

  /** Why oneDNN could not be loaded, or null where it was. */
  static String failure() {
    return Loaded.INSTANCE.failure();
  }

  /** The engine handle (a CPU engine). */
  long engine() {
    return engine;
  }

  /** oneDNN's {@code dnnl_cpu_isa_t}: the instruction set it dispatches to on this CPU. */
  int isa() {
    return isa;
  }

  /**
   * Why this CPU cannot run {@code precision} fast (AVX-512 BF16 or AMX for bf16, VNNI for int8), or
   * null where it can; {@code isa} is oneDNN's detected {@code dnnl_cpu_isa_t}.
   */
  static String unsupportedReason(Precision precision, int isa) {
    return switch (precision) {
      case FLOAT32 -> null;
      case BF16 -> contains(isa, OneDnnNative.ISA_AVX512_CORE_BF16) ? null
          : "the CPU lacks AVX-512 BF16 and AMX (oneDNN's ISA: 0x" + Integer.toHexString(isa) + ")";
      case INT8 -> contains(isa, OneDnnNative.ISA_AVX512_CORE_VNNI)
          || contains(isa, OneDnnNative.ISA_AVX2_VNNI) ? null
          : "the CPU lacks VNNI and AMX (oneDNN's ISA: 0x" + Integer.toHexString(isa) + ")";
    };
  }

  private static boolean contains(int isa, int required) {
    return (isa & required) == required;
  }

  /** Fails with the function's name and oneDNN's status where {@code status} is not success. */
  static void check(int status, String function) {
    if (status != OneDnnNative.SUCCESS) {
      throw new IllegalStateException("oneDNN " + function + " failed with status " + status);
    }
  }

  /** A memory descriptor of {@code dims} in {@code type} with the given strides (in elements). */
  static long descriptor(long[] dims, int type, long[] strides) {
    long[] d = new long[1];
    check(OneDnnNative.dnnl_memory_desc_create_with_strides(d, dims.length, dims, type, strides),
        "dnnl_memory_desc_create_with_strides");
    return d[0];
  }

  /** A memory object of {@code desc} at {@code address} (0: set per call; {@code ALLOCATE}: owned). */
  static long memory(long engine, long desc, long address) {
    long[] m = new long[1];
    check(OneDnnNative.dnnl_memory_create(m, desc, engine, address), "dnnl_memory_create");
    return m[0];
  }

  /** A new in-order stream on {@code engine}; the caller destroys it. */
  static long stream(long engine) {
    long[] s = new long[1];
    check(OneDnnNative.dnnl_stream_create(s, engine, OneDnnNative.STREAM_IN_ORDER),
        "dnnl_stream_create");
    return s[0];
  }

  /**
   * Copies the memory {@code from} (described by {@code fromDesc}) into {@code to} ({@code toDesc}),
   * converting type and layout, on an OpenMP team of {@code threads}.
   */
  static void reorder(long engine, long stream, int threads, long fromDesc, long from, long toDesc,
      long to) {
    long[] pd = new long[1];
    check(OneDnnNative.dnnl_reorder_primitive_desc_create(pd, fromDesc, engine, toDesc, engine, 0),
        "dnnl_reorder_primitive_desc_create");
    long[] primitive = new long[1];
    try {
      check(OneDnnNative.dnnl_primitive_create(primitive, pd[0]), "dnnl_primitive_create (reorder)");
      try (com.sun.jna.Memory args = arguments(OneDnnNative.ARG_SRC, OneDnnNative.ARG_DST)) {
        args.setLong(8, from);
        args.setLong(16 + 8, to);
        OpenMpNative.omp_set_num_threads(threads);
        check(OneDnnNative.dnnl_primitive_execute(primitive[0], stream, 2,
            com.sun.jna.Pointer.nativeValue(args)), "dnnl_primitive_execute (reorder)");
        check(OneDnnNative.dnnl_stream_wait(stream), "dnnl_stream_wait");
      }
    } finally {
      if (primitive[0] != 0) {
        OneDnnNative.dnnl_primitive_destroy(primitive[0]);
      }
      OneDnnNative.dnnl_primitive_desc_destroy(pd[0]);
    }
  }

  /**
   * A {@code dnnl_exec_arg_t} list with these argument ids, 16 bytes each (int id, then the memory
   * handle at +8, which the caller sets).
   */
  static com.sun.jna.Memory arguments(int... ids) {
    com.sun.jna.Memory args = new com.sun.jna.Memory(16L * ids.length);
    args.clear();
    for (int i = 0; i < ids.length; i++) {
      args.setInt(16L * i, ids[i]);
    }
    return args;
  }

  private static Loaded load() {
    try {
      Path directory = Path.of(System.getProperty("java.io.tmpdir"),
          "bert4j-onednn-" + VERSION + "-" + System.getProperty("user.name"));
      Files.createDirectories(directory);
      Path dnnl = null;
      for (String resource : LIBRARIES) {
        dnnl = extract(resource, directory);
      }
      if (System.getenv("OMP_WAIT_POLICY") == null) {
        ProcessEnvironment.setIfUnset("OMP_WAIT_POLICY", "PASSIVE");
      }
      OpenMpNative.register(
          NativeLibrary.getInstance(directory.resolve("libgomp.so.1").toString()));
      OneDnnNative.register(NativeLibrary.getInstance(dnnl.toString()));
      long[] engine = new long[1];
      check(OneDnnNative.dnnl_engine_create(engine, OneDnnNative.ENGINE_CPU, 0),
          "dnnl_engine_create");
      return new Loaded(new OneDnn(engine[0], OneDnnNative.dnnl_get_effective_cpu_isa()), null);
    } catch (IOException | UncheckedIOException | LinkageError | IllegalStateException e) {
      return new Loaded(null, "oneDNN " + VERSION + " could not be loaded: " + e);
    }
  }

  /** Copies a class-path resource into {@code directory} once (atomically), returning its path. */
  private static Path extract(String resource, Path directory) throws IOException {
    URL url = OneDnn.class.getClassLoader().getResource(resource);
    if (url == null) {
      throw new IOException("no " + resource + " on the class path (org.bytedeco:dnnl and "
          + "org.bytedeco:opencl, classifier linux-x86_64)");
    }
    URLConnection connection = url.openConnection();
    Path target = directory.resolve(resource.substring(resource.lastIndexOf('/') + 1));
    if (Files.isRegularFile(target) && Files.size(target) == connection.getContentLengthLong()) {
      return target;
    }
    Path partial = Files.createTempFile(directory, target.getFileName().toString(), ".part");
    try (InputStream in = connection.getInputStream()) {
      Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
    }
    Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return target;
  }
}
