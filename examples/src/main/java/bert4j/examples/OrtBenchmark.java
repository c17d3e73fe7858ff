package bert4j.examples;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.Outputs;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.cpu.CpuInfo;
import bert4j.runtime.cpu.CpuKernels;
import bert4j.runtime.cpu.Precision;
import bert4j.runtime.kernels.Kernels;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * bert4j against ONNX Runtime, side by side in one JVM on the same BERT-base weights: what a Java team
 * choosing between the two would measure. For batch 1 × 128, 8 × 128 and 1 × 512 it alternates rounds
 * of bert4j's forward ({@link BertBase} on the CPU backend) and ONNX Runtime's run (all graph
 * optimisations, as many intra-op threads as bert4j has: every core), so both see the same machine
 * load, each timed run starting after a 200 ms pause so that neither starts against the other's
 * spinning threads; checks that the two agree on {@code sequence_output} and {@code pooled_output} (also on a padded
 * batch); and prints a Markdown table of the medians and their ratio, headed by the date, CPU, core
 * count, CPU flags and load; then batch 8 × 128 again with bert4j's linear layers in bf16 and int8
 * ({@link Precision}, oneDNN) alternating with bert4j float32 and ONNX Runtime float32, with their
 * outputs' distance from bert4j float32. Both sides deliver their outputs as Java arrays, so ONNX Runtime's time
 * includes copying them out of its tensors.
 *
 * <p>Run from the repository root:
 * <pre>
 * mvn -B -q -f examples/pom.xml exec:java -Dexec.mainClass=bert4j.examples.OrtBenchmark \
 *     -Dexec.args="[REPEATS [WEIGHTS.safetensors]]"
 * </pre>
 * REPEATS (default 10) is the rounds per case. Without WEIGHTS, BERT-base is initialised from a fixed
 * seed and saved under {@code target/ort-benchmark/}. The ONNX copy is exported there, once per weights
 * file, by {@code tools/onnx-export/export_bert.py} (torch and numpy; {@code $PYTHON}, else Debian's
 * {@code /usr/bin/python3}). Exit status 1 when the outputs disagree by more than 1e-4.
 */
public final class OrtBenchmark {
  private static final int[][] CASES = {{1, 128}, {8, 128}, {1, 512}};
  private static final double TOLERANCE = 1e-4;
  /** Issue 13's bar for bf16's sequence_output against float32. */
  private static final double BF16_BAR = 3e-2;
  private static final long SEED = 42;
  /**
   * Untimed alternating rounds before the timed ones, per case: bert4j's Java code is compiled by
   * the JIT over its first runs (with one warm-up round, 1 × 128 measured about 25 % slower than at
   * steady state).
   */
  private static final int WARM_UP_ROUNDS = 10;
  /** The idle pause before each timed run ({@link #settle}). */
  private static final long SETTLE_MILLIS = 200;
  private static final Path DIRECTORY = Path.of("target", "ort-benchmark");
  private static final Path EXPORT_SCRIPT = Path.of("tools", "onnx-export", "export_bert.py");
  /** The weights both sides run when none are given. */
  static final Path DEFAULT_WEIGHTS = DIRECTORY.resolve("bert-base-seed" + SEED + ".safetensors");

  private OrtBenchmark() {}

  public static void main(String[] args) throws Exception {
    int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    Path weights = args.length > 1 ? Path.of(args[1]) : DEFAULT_WEIGHTS;
    int threads = Runtime.getRuntime().availableProcessors();
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    try (Kernels kernels = Backend.cpu()) {
      Path onnx = prepare(kernels, weights);
      OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING);
      try (SessionOptions options = new SessionOptions()) {
        options.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
        options.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.enableProfiling(DIRECTORY.resolve("ort-profile").toString());
        try (OrtSession session = env.createSession(onnx.toString(), options)) {
          String kernelsRun = profileOneRun(env, session);
          System.out.printf("# bert4j vs ONNX Runtime, BERT-base forward, %s%n%n", LocalDate.now());
          System.out.printf("- CPU: %s, %d cores; flags: %s%n", cpuModel(), threads, cpuFlags());
          System.out.printf("- bert4j: %s; ONNX Runtime %s (Java API, all graph optimisations, %d "
              + "intra-op threads, sequential)%n", kernels.name(), env.getVersion(), threads);
          System.out.printf("- ONNX Runtime's kernels in one run: %s%n", kernelsRun);
          System.out.printf("- weights: %s (%s); %d alternating rounds per case after %d untimed "
              + "ones, each timed run after a %d ms pause; Java %s%n", weights, onnx.getFileName(),
              repeats, WARM_UP_ROUNDS, SETTLE_MILLIS, System.getProperty("java.version"));
          List<String> rows = new ArrayList<>();
          boolean agree = true;
          for (int[] c : CASES) {
            Result r = measure(env, session, kernels, weights, c[0], c[1], repeats);
            rows.add(r.row());
            agree &= r.agrees();
          }
          List<String> reducedRows = new ArrayList<>();
          for (Precision precision : new Precision[] {Precision.BF16, Precision.INT8}) {
            reducedRows.add(measureReduced(env, session, kernels, weights, precision, repeats));
          }
          double[] padded = paddedDifference(env, session, kernels, weights);
          double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
          System.out.printf("- load average (1 min): %.2f before, %.2f after%n%n", loadBefore,
              loadAfter);
          System.out.println("| case | bert4j median ms | ORT median ms | bert4j / ORT | max abs diff "
              + "sequence_output | max abs diff pooled_output |");
          System.out.println("|---|---:|---:|---:|---:|---:|");
          rows.forEach(System.out::println);
          System.out.printf("%nReduced precision (linear layers only, by oneDNN; attention, "
              + "softmax, LayerNorm, GELU in float32), batch 8 × 128, rounds alternating with bert4j float32 "
              + "and ORT float32; the "
              + "differences are to bert4j float32 on the same batch (bf16's bar: %.0e on "
              + "sequence_output):%n%n", BF16_BAR);
          System.out.println("| case | precision | bert4j median ms | bert4j float32 median ms | "
              + "ORT float32 median ms | bert4j / ORT float32 | bert4j / bert4j float32 | "
              + "its linear layers (share of its time, rate) | max abs diff sequence_output | "
              + "max abs diff pooled_output |");
          System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
          reducedRows.forEach(System.out::println);
          System.out.printf("%nPadded batch 8 × 128 (rows of 64 to 128 tokens, then token id 0; ORT's "
              + "attention_mask = token id ≠ 0): max abs diff %.2e (sequence_output), %.2e "
              + "(pooled_output)%n", padded[0], padded[1]);
          agree &= padded[0] <= TOLERANCE && padded[1] <= TOLERANCE;
          if (!agree) {
            System.out.printf("%nOUTPUTS DISAGREE: a difference above %.0e%n", TOLERANCE);
            System.exit(1);
          }
        }
      }
    }
  }

  /**
   * Batch 8 × 128 with the linear layers in {@code precision} (kernels of their own), alternating
   * with bert4j float32 and ONNX Runtime float32 in each round; its outputs are compared with bert4j
   * float32's on the same batch. A row of the reduced-precision table; one that says so where the
   * precision is unavailable here.
   */
  private static String measureReduced(OrtEnvironment env, OrtSession session, Kernels float32,
      Path weights, Precision precision, int repeats) throws IOException, OrtException {
    int batch = 8;
    int seq = 128;
    Batch input = tokens(batch, seq, seq, 1000L * batch + seq);
    try (CpuKernels kernels = new CpuKernels(precision);
        ProfilingKernels profiled = new ProfilingKernels(kernels);
        BertBaseImpl reference = BertBaseImpl.createForInference(float32, batch, seq);
        BertBaseImpl model = BertBaseImpl.createForInference(profiled, batch, seq);
        Feeds feeds = new Feeds(env, input)) {
      if (kernels.precision() != precision) {
        return String.format("| %d × %d | %s | unavailable on this CPU | | | | | | | |", batch,
            seq, precision);
      }
      reference.load(weights);
      model.load(weights);
      Outputs expected = reference.forward(input);
      float[] expectedSequence = expected.sequenceOutput().data();
      float[] expectedPooled = expected.pooledOutput().data();
      Outputs ours = model.forward(input);
      double sequenceDiff = maxAbsDifference(ours.sequenceOutput(), expectedSequence);
      double pooledDiff = maxAbsDifference(ours.pooledOutput(), expectedPooled);
      for (int r = 0; r < WARM_UP_ROUNDS; r++) {
        model.forward(input);
        reference.forward(input);
        run(session, feeds);
      }
      double[] times = new double[repeats];
      double[] float32Times = new double[repeats];
      double[] theirs = new double[repeats];
      profiled.reset();
      for (int r = 0; r < repeats; r++) {
        settle();
        long start = System.nanoTime();
        model.forward(input);
        times[r] = (System.nanoTime() - start) / 1e6;
        settle();
        start = System.nanoTime();
        reference.forward(input);
        float32Times[r] = (System.nanoTime() - start) / 1e6;
        settle();
        start = System.nanoTime();
        run(session, feeds);
        theirs[r] = (System.nanoTime() - start) / 1e6;
      }
      double ms = median(times);
      double linearMs = profiled.millis().getOrDefault(ProfilingKernels.Kernel.LINEAR, 0.0);
      double linearShare = linearMs / Arrays.stream(times).sum();
      double linearRate = profiled.linearFlops() / (linearMs * 1e6);
      return String.format("| %d × %d | %s | %.1f | %.1f | %.1f | %.2f | %.2f | %.0f %% at %.0f "
          + "GFLOP/s | %.2e | %.2e |", batch, seq, precision, ms, median(float32Times),
          median(theirs), ms / median(theirs), ms / median(float32Times), 100 * linearShare,
          linearRate, sequenceDiff, pooledDiff);
    }
  }

  /** One case's medians and differences. */
  private record Result(int batch, int seq, double ours, double theirs, double sequenceDiff,
      double pooledDiff) {
    boolean agrees() {
      return sequenceDiff <= TOLERANCE && pooledDiff <= TOLERANCE;
    }

    String row() {
      return String.format("| %d × %d | %.1f | %.1f | %.2f | %.2e | %.2e |", batch, seq, ours, theirs,
          ours / theirs, sequenceDiff, pooledDiff);
    }
  }

  /**
   * The ONNX copy of {@code weights} (saving BERT-base from the fixed seed there first when the file
   * does not exist), exported when missing or older than the weights.
   */
  static Path prepare(Kernels kernels, Path weights) throws IOException, InterruptedException {
    Files.createDirectories(DIRECTORY);
    if (!Files.exists(weights)) {
      saveWeights(kernels, weights);
    }
    Path onnx = DIRECTORY.resolve(weights.getFileName().toString().replaceFirst(
        "\\.safetensors$", "") + ".onnx");
    if (!Files.exists(onnx)
        || Files.getLastModifiedTime(onnx).compareTo(Files.getLastModifiedTime(weights)) < 0) {
      export(weights, onnx);
    }
    return onnx;
  }

  /**
   * Times {@code repeats} alternating rounds of one case after the untimed ones, the first of which
   * compares the outputs.
   */
  private static Result measure(OrtEnvironment env, OrtSession session, Kernels kernels, Path weights,
      int batch, int seq, int repeats) throws IOException, OrtException {
    Batch input = tokens(batch, seq, seq, 1000L * batch + seq);
    try (BertBaseImpl model = BertBaseImpl.createForInference(kernels, batch, seq);
        Feeds feeds = new Feeds(env, input)) {
      model.load(weights);
      double[] diff = difference(model.forward(input), run(session, feeds));
      for (int r = 0; r < WARM_UP_ROUNDS; r++) {
        model.forward(input);
        run(session, feeds);
      }
      double[] ours = new double[repeats];
      double[] theirs = new double[repeats];
      for (int r = 0; r < repeats; r++) {
        settle();
        long start = System.nanoTime();
        model.forward(input);
        ours[r] = (System.nanoTime() - start) / 1e6;
        settle();
        start = System.nanoTime();
        run(session, feeds);
        theirs[r] = (System.nanoTime() - start) / 1e6;
      }
      return new Result(batch, seq, median(ours), median(theirs), diff[0], diff[1]);
    }
  }

  /** Both outputs' max abs difference on a batch 8 × 128 with padding at the end of its rows. */
  private static double[] paddedDifference(OrtEnvironment env, OrtSession session, Kernels kernels,
      Path weights) throws IOException, OrtException {
    Batch input = tokens(8, 128, 64, 7);
    try (BertBaseImpl model = BertBaseImpl.createForInference(kernels, 8, 128);
        Feeds feeds = new Feeds(env, input)) {
      model.load(weights);
      return difference(model.forward(input), run(session, feeds));
    }
  }

  /**
   * Random token ids in [1, vocab) (0 is padding), each row's length drawn from [minLength, seq] and
   * padded with 0 to seq; segment 0 for the first half of a row's tokens, 1 for the rest.
   */
  static Batch tokens(int batch, int seq, int minLength, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[][] ids = new int[batch][seq];
    int[][] segments = new int[batch][seq];
    for (int b = 0; b < batch; b++) {
      int length = minLength == seq ? seq : minLength + random.nextInt(seq - minLength + 1);
      for (int i = 0; i < length; i++) {
        ids[b][i] = 1 + random.nextInt(BertBaseImpl.LAYOUT.vocab() - 1);
        segments[b][i] = i < length / 2 ? 0 : 1;
      }
    }
    return Batch.of(ids, segments);
  }

  /** ONNX Runtime's inputs for a batch, as int64 tensors; closes them. */
  static final class Feeds implements AutoCloseable {
    final Map<String, OnnxTensor> tensors = new LinkedHashMap<>();

    Feeds(OrtEnvironment env, Batch batch) throws OrtException {
      int n = batch.size() * batch.length();
      long[] ids = new long[n];
      long[] mask = new long[n];
      long[] segments = new long[n];
      for (int b = 0, k = 0; b < batch.size(); b++) {
        for (int i = 0; i < batch.length(); i++, k++) {
          ids[k] = batch.tokenIds()[b][i];
          mask[k] = ids[k] != 0 ? 1 : 0;
          segments[k] = batch.segmentIds()[b][i];
        }
      }
      long[] shape = {batch.size(), batch.length()};
      tensors.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
      tensors.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
      tensors.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(segments), shape));
    }

    @Override
    public void close() {
      tensors.values().forEach(OnnxTensor::close);
    }
  }

  /** One ONNX Runtime run, its outputs copied into Java arrays: sequence_output, pooled_output. */
  static float[][] run(OrtSession session, Feeds feeds) throws OrtException {
    try (OrtSession.Result result = session.run(feeds.tensors)) {
      return new float[][] {floats(result, "sequence_output"), floats(result, "pooled_output")};
    }
  }

  private static float[] floats(OrtSession.Result result, String name) {
    FloatBuffer buffer = ((OnnxTensor) result.get(name).orElseThrow(
        () -> new IllegalStateException("the ONNX model has no output " + name))).getFloatBuffer();
    float[] values = new float[buffer.remaining()];
    buffer.get(values);
    return values;
  }

  private static double[] difference(Outputs ours, float[][] theirs) {
    return new double[] {maxAbsDifference(ours.sequenceOutput(), theirs[0]),
        maxAbsDifference(ours.pooledOutput(), theirs[1])};
  }

  private static double maxAbsDifference(FloatTensor ours, float[] theirs) {
    if (ours.data().length != theirs.length) {
      throw new IllegalStateException("bert4j's output " + Arrays.toString(ours.shape()) + " has "
          + ours.data().length + " values, ONNX Runtime's " + theirs.length);
    }
    double max = 0;
    for (int i = 0; i < theirs.length; i++) {
      max = Math.max(max, Math.abs(ours.data()[i] - theirs[i]));
    }
    return max;
  }

  /**
   * BERT-base from a fixed seed, every 1-D tensor (biases, LayerNorm γ and β) then drawn at random too:
   * a fresh initialisation's zero biases and unit γ would let the output check miss a bias or γ that
   * one side drops or swaps.
   */
  private static void saveWeights(Kernels kernels, Path weights) throws IOException {
    try (BertBaseImpl model = BertBaseImpl.create(kernels, 1, 1)) {
      model.initialize(SEED);
      SplittableRandom random = new SplittableRandom(SEED);
      for (ParameterInfo p : model.parameters()) {
        if (p.shape().length == 1) {
          float centre = p.name().endsWith("LayerNorm.weight") ? 1f : 0f;
          float[] values = new float[p.size()];
          for (int i = 0; i < values.length; i++) {
            values[i] = centre + (float) (0.1 * random.nextGaussian());
          }
          model.setParameter(p.name(), new FloatTensor(p.shape(), values));
        }
      }
      model.save(weights);
    }
    System.err.println("saved BERT-base (seed " + SEED + ") to " + weights);
  }

  /** Runs the export script (once per weights file); says the one command to run when it cannot. */
  private static void export(Path weights, Path onnx) throws IOException, InterruptedException {
    Path script = Files.exists(EXPORT_SCRIPT) ? EXPORT_SCRIPT : Path.of("..").resolve(EXPORT_SCRIPT);
    String python = System.getenv().getOrDefault("PYTHON",
        Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3");
    List<String> command = List.of(python, script.toString(), weights.toString(), onnx.toString());
    System.err.println("exporting the ONNX model: " + String.join(" ", command));
    int status;
    try {
      status = new ProcessBuilder(command).inheritIO().start().waitFor();
    } catch (IOException e) {
      status = -1;
    }
    if (status != 0 || !Files.exists(onnx)) {
      System.err.println("the export failed; it needs torch and numpy (Debian: apt-get install "
          + "python3-torch). Run it yourself, then run this again:\n  " + String.join(" ", command));
      System.exit(2);
    }
  }

  /**
   * One profiled run at batch 1 × 128: ONNX Runtime's kernels by name and count, which shows what its
   * graph optimisations fused (Attention, BiasGelu, LayerNormalization, ...). Profiling ends after it.
   */
  private static String profileOneRun(OrtEnvironment env, OrtSession session)
      throws OrtException, IOException {
    try (Feeds feeds = new Feeds(env, tokens(1, 128, 128, 1))) {
      run(session, feeds);
    }
    Path profile = Path.of(session.endProfiling());
    Matcher m = Pattern.compile("\"op_name\"\\s*:\\s*\"(\\w+)\"").matcher(Files.readString(profile));
    Files.delete(profile);
    Map<String, Integer> counts = new TreeMap<>();
    while (m.find()) {
      counts.merge(m.group(1), 1, Integer::sum);
    }
    StringBuilder text = new StringBuilder();
    counts.forEach((op, n) -> text.append(text.length() == 0 ? "" : ", ").append(op).append(" ×")
        .append(n));
    return text.toString();
  }

  /**
   * Lets the cores go idle before a timed run: ONNX Runtime's intra-op threads spin after each run
   * (its default), bert4j's workers briefly too, and without a pause the next round of the other
   * library starts against them.
   */
  private static void settle() {
    try {
      Thread.sleep(SETTLE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted between rounds", e);
    }
  }

  private static double median(double[] times) {
    double[] sorted = times.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static String cpuModel() {
    return CpuInfo.read().name();
  }

  /** The CPU's AVX-512 and AMX flags (what reduced-precision and wide kernels can use). */
  private static String cpuFlags() {
    String flags = CpuInfo.read().flagsStartingWith("avx512", "amx");
    return flags.isEmpty() ? "no avx512 or amx" : flags;
  }
}
