package bert4j.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bert4j.cuda.specs.TinyBertImpl;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.cpu.CpuKernels;
import bert4j.runtime.io.SafeTensorsReader;
import bert4j.runtime.io.SafeTensorsWriter;
import bert4j.runtime.kernels.Kernels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * What the tiny BERT ({@link bert4j.cuda.specs.TinyBert}) computes on one backend, by name: the
 * forward outputs ("forward/class_logits", ...), the loss and every parameter gradient of one
 * training step ("loss", "gradient/<parameter>"), and the losses of six Adam steps ("training
 * losses"), each from fixed seeds (dropout included: both backends draw the same masks).
 *
 * <p>The CPU backend's results are the reference. Where the CPU backend cannot run (the GPU bundle
 * leaves OpenBLAS's natives out), they come from a golden file written on a machine where it
 * can: {@code main} writes it; the system property {@value #GOLDEN_PROPERTY} names it.
 */
final class TinyBertScenarios {
  static final String GOLDEN_PROPERTY = "bert4j.cuda.golden";
  private static final int BATCH = 4;
  private static final int SEQ = 24;

  private TinyBertScenarios() {}

  /** Runs every scenario on {@code kernels}. */
  static Map<String, float[]> run(Kernels kernels) {
    Map<String, float[]> results = new LinkedHashMap<>();
    try (TinyBertImpl model = TinyBertImpl.create(kernels, BATCH, SEQ)) {
      reset(model, 1);
      model.forward(batch(2)).asMap()
          .forEach((name, tensor) -> results.put("forward/" + name, tensor.data()));
      reset(model, 3);
      results.put("loss", new float[] {model.computeGradients(batch(4))});
      for (ParameterInfo p : model.parameters()) {
        results.put("gradient/" + p.name(), model.gradient(p.name()).data());
      }
      reset(model, 5);
      float[] losses = new float[6];
      for (int step = 0; step < losses.length; step++) {
        losses[step] = model.trainStep(batch(10 + step));
      }
      results.put("training losses", losses);
    }
    return results;
  }

  /**
   * The CPU backend's results: from the golden file when {@value #GOLDEN_PROPERTY} is set, else
   * computed now; the calling test is skipped when neither is possible.
   */
  static Map<String, float[]> cpuReference() {
    String golden = System.getProperty(GOLDEN_PROPERTY);
    if (golden != null) {
      return read(Path.of(golden));
    }
    Kernels cpu;
    try {
      cpu = new CpuKernels(2);
    } catch (LinkageError e) {
      assumeTrue(false, "no CPU backend here (" + e + ") and no golden file (" + GOLDEN_PROPERTY
          + ")");
      throw e;
    }
    try (Kernels k = cpu) {
      return run(k);
    }
  }

  private static void reset(TinyBertImpl model, long seed) {
    model.initialize(seed);
    model.seedDropout(seed + 1);
  }

  /** Four rows of different lengths (the last mostly padding), with both heads' labels. */
  private static Batch batch(long seed) {
    Random random = new Random(seed);
    int[][] tokens = new int[BATCH][SEQ];
    int[][] segments = new int[BATCH][SEQ];
    int[][] tokenLabels = new int[BATCH][SEQ];
    int[] labels = new int[BATCH];
    int[] lengths = {SEQ, SEQ - 5, 9, 2};
    for (int b = 0; b < BATCH; b++) {
      labels[b] = random.nextInt(3);
      for (int i = 0; i < SEQ; i++) {
        boolean real = i < lengths[b];
        tokens[b][i] = real ? 1 + random.nextInt(96) : 0;
        segments[b][i] = real && i >= lengths[b] / 2 ? 1 : 0;
        tokenLabels[b][i] = real && random.nextInt(3) == 0 ? 1 + random.nextInt(96) : -1;
      }
    }
    return new Batch(tokens, segments, labels, tokenLabels);
  }

  private static Map<String, float[]> read(Path file) {
    Map<String, float[]> results = new LinkedHashMap<>();
    try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
      for (String name : reader.names()) {
        results.put(name, reader.read(name).data());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the golden file " + file, e);
    }
    return results;
  }

  /** Writes the CPU backend's results to the golden file {@code args[0]}. */
  public static void main(String[] args) throws IOException {
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    try (Kernels cpu = new CpuKernels(2)) {
      run(cpu).forEach((name, data) -> tensors.put(name, new FloatTensor(new int[] {data.length},
          data)));
    }
    Path target = Path.of(args[0]).toAbsolutePath();
    Files.createDirectories(target.getParent());
    SafeTensorsWriter.write(target, tensors, Map.of("computed by", "bert4j CPU backend"));
    System.out.println("wrote " + tensors.size() + " tensors of the CPU backend to " + target);
  }
}
