package bert4j.examples;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.kernels.Kernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Peak resident memory of one BERT-base inference process: a fresh JVM loads the weights, runs one
 * forward at batch 1 × 128 and prints its peak resident set ({@code VmHWM} of
 * {@code /proc/self/status}) and its resident set at the end ({@code VmRSS}). One side per process,
 * chosen by the first argument:
 * <ul>
 *   <li>{@code prepare}: writes the weights and their ONNX copy as {@link OrtBenchmark} does, so that
 *       the measured processes only read them;
 *   <li>{@code bert4j}: {@code BertBaseImpl.createForInference} on the CPU backend;
 *   <li>{@code bert4j-training}: {@code BertBaseImpl.create} (gradients, optimizer state and the
 *       training arena allocated too), for comparison;
 *   <li>{@code ort}: an ONNX Runtime session over the ONNX copy, as {@link OrtBenchmark} configures it.
 * </ul>
 * Run both sides with the same JVM options (the same small {@code -Xmx}), e.g. with
 * {@code tools/memory-benchmark.sh}, which runs each in its own JVM and prints the ratio.
 */
public final class MemoryBenchmark {
  private static final int SEQ = 128;

  private MemoryBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1 || !List.of("prepare", "bert4j", "bert4j-training", "ort").contains(args[0])) {
      System.err.println("usage: MemoryBenchmark prepare|bert4j|bert4j-training|ort [WEIGHTS]");
      System.exit(2);
    }
    Path weights = args.length > 1 ? Path.of(args[1]) : OrtBenchmark.DEFAULT_WEIGHTS;
    Batch batch = OrtBenchmark.tokens(1, SEQ, SEQ, 1128);
    float checksum;
    switch (args[0]) {
      case "prepare" -> {
        try (Kernels kernels = Backend.cpu()) {
          System.out.println("prepared " + OrtBenchmark.prepare(kernels, weights));
        }
        return;
      }
      case "ort" -> checksum = ort(onnx(weights), batch);
      default -> checksum = bert4j(weights, batch, args[0].equals("bert4j"));
    }
    System.out.printf("%s: VmHWM %s, VmRSS %s (first output %.6f, max heap %d MiB)%n", args[0],
        status("VmHWM"), status("VmRSS"), checksum, Runtime.getRuntime().maxMemory() >> 20);
  }

  /** One forward of BERT-base with the weights, in a model created for inference or for training. */
  private static float bert4j(Path weights, Batch batch, boolean inferenceOnly) throws IOException {
    try (Kernels kernels = Backend.cpu();
        BertBaseImpl model = inferenceOnly ? BertBaseImpl.createForInference(kernels, 1, SEQ)
            : BertBaseImpl.create(kernels, 1, SEQ)) {
      model.load(weights);
      return model.forward(batch).sequenceOutput().data()[0];
    }
  }

  /** One run of ONNX Runtime's session over the ONNX copy, configured as in OrtBenchmark. */
  private static float ort(Path onnx, Batch batch) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING);
    try (SessionOptions options = new SessionOptions()) {
      options.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
      options.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
      options.setInterOpNumThreads(1);
      try (OrtSession session = env.createSession(onnx.toString(), options);
          OrtBenchmark.Feeds feeds = new OrtBenchmark.Feeds(env, batch)) {
        return OrtBenchmark.run(session, feeds)[0][0];
      }
    }
  }

  /** The ONNX copy {@code prepare} wrote beside the weights. */
  private static Path onnx(Path weights) {
    Path onnx = weights.resolveSibling(weights.getFileName().toString()
        .replaceFirst("\\.safetensors$", "") + ".onnx");
    if (!Files.exists(onnx)) {
      throw new IllegalStateException(onnx + " does not exist: run MemoryBenchmark prepare first");
    }
    return onnx;
  }

  /** A line of /proc/self/status, e.g. {@code 1234 kB}. */
  private static String status(String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(key + ":")) {
        return line.substring(key.length() + 1).trim();
      }
    }
    throw new IllegalStateException("/proc/self/status has no " + key);
  }
}
