package bert4j.examples;

import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.cpu.CpuInfo;
import bert4j.runtime.cpu.CpuKernels;
import bert4j.runtime.cpu.Precision;
import bert4j.runtime.data.BatchIterator;
import bert4j.runtime.data.Sample;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The main example's trained weights evaluated on its held-out tenth with the linear layers in
 * float32, bf16 and int8 ({@link Precision}): each precision's accuracy, its distance from float32's
 * in points, the share of predictions it leaves unchanged, and the time of the whole pass. Run the
 * main example first (it saves {@code target/sentiment-model.safetensors}), then from the repository
 * root:
 * <pre>
 * mvn -B -q -f examples/pom.xml exec:java -Dexec.mainClass=bert4j.examples.PrecisionAccuracy \
 *     [-Dexec.args=WEIGHTS.safetensors]
 * </pre>
 */
public final class PrecisionAccuracy {
  private PrecisionAccuracy() {}

  public static void main(String[] args) throws IOException {
    Path weights = Path.of(args.length > 0 ? args[0] : "target/sentiment-model.safetensors");
    if (!Files.exists(weights)) {
      System.err.println("no " + weights + ": run the main example first (it saves its weights "
          + "there), or name a SentimentModel's weights");
      System.exit(2);
    }
    List<Sample> samples = SentimentClassification.shuffledSamples(
        SentimentClassification.tokenizer());
    List<Sample> heldOut = samples.subList(0, samples.size() / 10);
    CpuInfo cpu = CpuInfo.read();
    System.out.printf("%s: %d held-out reviews; %s, flags %s; load average %.2f%n", weights,
        heldOut.size(), cpu.name(), cpu.flagsStartingWith("avx512_bf16", "avx512_vnni", "amx"),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    System.out.println("| linear layers | held-out accuracy | − float32 (points) | predictions "
        + "unchanged | pass ms |");
    System.out.println("|---|---:|---:|---:|---:|");
    int[] float32 = null;
    for (Precision precision : Precision.values()) {
      try (CpuKernels kernels = new CpuKernels(precision);
          SentimentModelImpl model = SentimentModelImpl.createForInference(kernels,
              SentimentClassification.BATCH, SentimentClassification.MAX_LENGTH)) {
        if (kernels.precision() != precision) {
          System.out.printf("| %s | unavailable on this CPU | | | |%n", precision);
          continue;
        }
        model.load(weights);
        predict(model, heldOut);
        long start = System.nanoTime();
        int[] predicted = predict(model, heldOut);
        double ms = (System.nanoTime() - start) / 1e6;
        if (float32 == null) {
          float32 = predicted;
        }
        int correct = 0;
        int same = 0;
        for (int i = 0; i < predicted.length; i++) {
          correct += predicted[i] == heldOut.get(i).label() ? 1 : 0;
          same += predicted[i] == float32[i] ? 1 : 0;
        }
        int float32Correct = 0;
        for (int i = 0; i < float32.length; i++) {
          float32Correct += float32[i] == heldOut.get(i).label() ? 1 : 0;
        }
        System.out.printf("| %s | %.4f | %+.2f | %.2f %% (%d of %d) | %.0f |%n", precision,
            (double) correct / predicted.length,
            100.0 * (correct - float32Correct) / predicted.length,
            100.0 * same / predicted.length, same, predicted.length, ms);
      }
    }
  }

  /** The predicted class of each sample, in order. */
  private static int[] predict(SentimentModelImpl model, List<Sample> samples) {
    int[] predicted = new int[samples.size()];
    int at = 0;
    BatchIterator batches =
        BatchIterator.over(samples).batchSize(SentimentClassification.BATCH).epoch(0);
    while (batches.hasNext()) {
      Batch batch = batches.next();
      FloatTensor logits = model.forward(batch).classLogits();
      for (int b = 0; b < batch.size(); b++) {
        predicted[at++] = logits.get(b, 1) > logits.get(b, 0) ? 1 : 0;
      }
    }
    return predicted;
  }
}
