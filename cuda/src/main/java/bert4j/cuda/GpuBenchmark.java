package bert4j.cuda;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.kernels.Kernels;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The GPU benchmark: BERT-base ({@link BenchmarkBert}, random weights, dropout on) training steps
 * (forward, loss, backward, Adam) at batch 32 × 128 and 8 × 512 in tokens/s and inference latency
 * at batch 1 × 128, in float32 and in TF32, next to the matrix-product rate measured in the same
 * run on the model's own GEMM shapes (bert4j's kernels and, where JCublas loads, cuBLAS), and,
 * given the JSON that cuda/bench/torch_bert_base.py writes, PyTorch eager on the same model and
 * shapes. Training FLOPs count 3 × the forward's (the model's own count). Prints a Markdown report.
 *
 * <p>{@code GpuBenchmark [--repeats N] [--torch torch.json]}; the GPU bundle's run-benchmark.sh
 * runs both sides. Without a usable GPU it says why, then checks its own wiring on
 * {@link Backend#auto()} (the CPU) at toy sizes.
 */
public final class GpuBenchmark {
  private static final int ROWS = 4096;

  private final int repeats;
  private final JsonNode torch;
  private final StringBuilder report = new StringBuilder();

  private GpuBenchmark(int repeats, JsonNode torch) {
    this.repeats = repeats;
    this.torch = torch;
  }

  /** One precision's results. */
  private record Run(String name, double[] gemm, Optional<double[]> cublas, String cublasNote,
      double train128, double train512, double infer128) {}

  public static void main(String[] args) throws IOException {
    int repeats = 10;
    JsonNode torch = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--repeats" -> repeats = Integer.parseInt(args[++i]);
        case "--torch" -> torch = new ObjectMapper().readTree(Path.of(args[++i]).toFile());
        default -> throw new IllegalArgumentException("usage: GpuBenchmark [--repeats N] "
            + "[--torch torch.json], not " + args[i]);
      }
    }
    Optional<String> noGpu = new CudaKernelsProvider().unavailableReason();
    if (noGpu.isPresent()) {
      System.out.println("No usable GPU here: " + noGpu.get());
      smoke();
      return;
    }
    System.out.print(new GpuBenchmark(repeats, torch).run());
  }

  private String run() {
    Run fp32 = measure(false);
    Run tf32 = measure(true);
    line("# bert4j GPU benchmark, " + LocalDate.now());
    line("");
    try (CudaKernels kernels = CudaKernels.open();
        BenchmarkBertImpl model = BenchmarkBertImpl.create(kernels, 1, 128)) {
      line("Device: " + kernels.name() + "; Java " + System.getProperty("java.version")
          + (torch == null ? "" : "; PyTorch " + torch.path("torch").asText() + " on "
          + torch.path("device").asText()) + ".");
      line(String.format("BERT-base as BenchmarkBert: %,d parameters, %.2f GFLOP per token forward"
          + " at seq 128, %.2f at seq 512; training counts 3 × forward.", model.parameterCount(),
          model.flopsPerToken(128) / 1e9, model.flopsPerToken(512) / 1e9));
    }
    line("");
    line("## Matrix products, " + ROWS + " rows, y = x·wᵀ (TFLOP/s)");
    line("");
    line("| shape | bert4j fp32 | bert4j TF32 | cuBLAS fp32 | cuBLAS TF32 | PyTorch fp32 "
        + "| PyTorch TF32 |");
    line("|---|---:|---:|---:|---:|---:|---:|");
    for (int s = 0; s < GemmRates.SHAPES.length; s++) {
      int shape = s;
      line("| " + GemmRates.SHAPE_NAMES[s] + " | " + f(fp32.gemm()[s]) + " | " + f(tf32.gemm()[s])
          + " | " + fp32.cublas().map(r -> f(r[shape])).orElse("–") + " | "
          + tf32.cublas().map(r -> f(r[shape])).orElse("–") + " | " + torchGemm("fp32", s)
          + " | " + torchGemm("tf32", s) + " |");
    }
    if (!fp32.cublasNote().isEmpty()) {
      line("");
      line("cuBLAS through JCublas: " + fp32.cublasNote());
    }
    line("");
    line("## BERT-base, " + repeats + " timed repeats each (median)");
    line("");
    line("| | bert4j fp32 | bert4j TF32 | PyTorch eager fp32 | PyTorch eager TF32 |");
    line("|---|---:|---:|---:|---:|");
    line("| training step, batch 32 × 128 (tokens/s) | " + f0(fp32.train128()) + " | "
        + f0(tf32.train128()) + " | " + torchValue("fp32", "train_32x128_tokens_per_s") + " | "
        + torchValue("tf32", "train_32x128_tokens_per_s") + " |");
    line("| training step, batch 8 × 512 (tokens/s) | " + f0(fp32.train512()) + " | "
        + f0(tf32.train512()) + " | " + torchValue("fp32", "train_8x512_tokens_per_s") + " | "
        + torchValue("tf32", "train_8x512_tokens_per_s") + " |");
    line("| inference, batch 1 × 128 (ms) | " + f(fp32.infer128()) + " | " + f(tf32.infer128())
        + " | " + torchValue("fp32", "infer_1x128_ms") + " | "
        + torchValue("tf32", "infer_1x128_ms") + " |");
    try (CudaKernels kernels = CudaKernels.open();
        BenchmarkBertImpl model = BenchmarkBertImpl.create(kernels, 1, 128)) {
      double flops128 = 3.0 * model.flopsPerToken(128);
      line("| training 32 × 128, achieved TFLOP/s | " + f(fp32.train128() * flops128 / 1e12)
          + " | " + f(tf32.train128() * flops128 / 1e12) + " | "
          + torchAchieved("fp32", flops128) + " | " + torchAchieved("tf32", flops128) + " |");
      line("| … as a fraction of bert4j's GEMM rate | "
          + f(fp32.train128() * flops128 / 1e12 / layerRate(fp32.gemm())) + " | "
          + f(tf32.train128() * flops128 / 1e12 / layerRate(tf32.gemm())) + " | | |");
      line("| … as a fraction of the best GEMM rate measured | "
          + f(fp32.train128() * flops128 / 1e12 / best(fp32, "fp32")) + " | "
          + f(tf32.train128() * flops128 / 1e12 / best(tf32, "tf32")) + " | "
          + torchFraction("fp32", flops128, best(fp32, "fp32")) + " | "
          + torchFraction("tf32", flops128, best(tf32, "tf32")) + " |");
    }
    line("");
    line("GEMM rates of a layer weigh the shapes by their FLOPs (4 × 768→768, 768→3072, "
        + "3072→768). \"Best\" is the fastest of bert4j, cuBLAS and PyTorch in that precision.");
    return report.toString();
  }

  private Run measure(boolean tf32) {
    String name = tf32 ? "TF32" : "fp32";
    System.err.println("[benchmark] " + name + ": matrix products");
    try (CudaKernels kernels = new CudaKernels(JCudaDevice.open(0), tf32)) {
      double[] gemm = GemmRates.ofKernels(kernels, ROWS, repeats, () -> {
        kernels.synchronize();
        return System.nanoTime();
      });
      Optional<double[]> cublas = Optional.empty();
      String note = "";
      try {
        cublas = Optional.of(CublasRates.measure((JCudaDevice) kernels.device(), ROWS, repeats,
            tf32));
      } catch (LinkageError | RuntimeException e) {
        note = "not measured (" + e.toString().lines().findFirst().orElse("") + ")";
      }
      System.err.println("[benchmark] " + name + ": BERT-base");
      try (BenchmarkBertImpl model = BenchmarkBertImpl.create(kernels, 32, 512)) {
        model.initialize(1);
        model.seedDropout(2);
        double train128 = 32 * 128 / seconds(() -> model.trainStep(batch(32, 128, 3)));
        double train512 = 8 * 512 / seconds(() -> model.trainStep(batch(8, 512, 4)));
        Batch one = batch(1, 128, 5);
        double infer128 = 1000 * seconds(() -> model.forward(one));
        return new Run(name, gemm, cublas, note, train128, train512, infer128);
      }
    }
  }

  /** Median seconds of {@code step} over the repeats, after three warm-up runs. */
  private double seconds(Runnable step) {
    for (int i = 0; i < 3; i++) {
      step.run();
    }
    double[] times = new double[repeats];
    for (int i = 0; i < repeats; i++) {
      long start = System.nanoTime();
      step.run();
      times[i] = (System.nanoTime() - start) / 1e9;
    }
    Arrays.sort(times);
    return times[repeats / 2];
  }

  private static Batch batch(int size, int seq, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[][] tokens = new int[size][seq];
    int[][] segments = new int[size][seq];
    int[] labels = new int[size];
    for (int b = 0; b < size; b++) {
      for (int i = 0; i < seq; i++) {
        tokens[b][i] = 1 + random.nextInt(21127);
        segments[b][i] = i >= seq / 2 ? 1 : 0;
      }
      labels[b] = random.nextInt(2);
    }
    return Batch.withLabels(tokens, segments, labels);
  }

  /** TFLOP/s of one encoder layer's products: the shapes weighted by their FLOPs. */
  private static double layerRate(double[] rates) {
    double[] flops = {4 * 768.0 * 768, 768.0 * 3072, 3072.0 * 768};
    double total = 0;
    double time = 0;
    for (int s = 0; s < rates.length; s++) {
      total += flops[s];
      time += flops[s] / rates[s];
    }
    return total / time;
  }

  private double best(Run run, String precision) {
    double best = layerRate(run.gemm());
    if (run.cublas().isPresent()) {
      best = Math.max(best, layerRate(run.cublas().get()));
    }
    JsonNode gemm = torch == null ? null : torch.path(precision).path("gemm_tflops");
    if (gemm != null && gemm.isArray() && gemm.size() == GemmRates.SHAPES.length) {
      double[] rates = new double[gemm.size()];
      for (int s = 0; s < rates.length; s++) {
        rates[s] = gemm.get(s).asDouble();
      }
      best = Math.max(best, layerRate(rates));
    }
    return best;
  }

  private String torchGemm(String precision, int shape) {
    JsonNode gemm = torch == null ? null : torch.path(precision).path("gemm_tflops");
    return gemm == null || !gemm.has(shape) ? "–" : f(gemm.get(shape).asDouble());
  }

  private String torchValue(String precision, String key) {
    JsonNode value = torch == null ? null : torch.path(precision).path(key);
    if (value == null || !value.isNumber()) {
      return "–";
    }
    return key.endsWith("_ms") ? f(value.asDouble()) : f0(value.asDouble());
  }

  private String torchAchieved(String precision, double flopsPerToken) {
    JsonNode value = torch == null ? null : torch.path(precision).path("train_32x128_tokens_per_s");
    return value == null || !value.isNumber() ? "–" : f(value.asDouble() * flopsPerToken / 1e12);
  }

  private String torchFraction(String precision, double flopsPerToken, double best) {
    JsonNode value = torch == null ? null : torch.path(precision).path("train_32x128_tokens_per_s");
    return value == null || !value.isNumber() ? "–"
        : f(value.asDouble() * flopsPerToken / 1e12 / best);
  }

  private void line(String text) {
    report.append(text).append('\n');
  }

  private static String f(double value) {
    return String.format("%.3g", value);
  }

  private static String f0(double value) {
    return String.format("%,.0f", value);
  }

  /**
   * Without a GPU: one training step and one forward pass of BERT-base at toy sizes on whatever
   * {@link Backend#auto()} gives, to show the bundle's wiring works; no numbers worth reporting.
   */
  private static void smoke() {
    try (Kernels kernels = Backend.auto();
        BenchmarkBertImpl model = BenchmarkBertImpl.create(kernels, 2, 32)) {
      model.initialize(1);
      long start = System.nanoTime();
      float loss = model.trainStep(batch(2, 32, 3));
      model.forward(batch(1, 32, 4));
      System.out.printf("Smoke run on %s: BERT-base, one training step at batch 2 × 32 (loss %.4f)"
          + " and one forward pass at 1 × 32 in %.1f s. Run on a GPU for the benchmark.%n",
          kernels.name(), loss, (System.nanoTime() - start) / 1e9);
    } catch (LinkageError e) {
      System.out.println("No CPU backend either (" + e + "): this bundle leaves OpenBLAS out; "
          + "package it with --with-cpu to run on the CPU.");
      System.exit(2);
    }
  }
}
