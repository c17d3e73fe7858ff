package bert4j.examples;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.data.BatchIterator;
import bert4j.runtime.data.DelimitedReader;
import bert4j.runtime.data.DelimitedRow;
import bert4j.runtime.data.Sample;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.text.Encoding;
import bert4j.runtime.text.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The main example: sentiment classification of 11,987 Chinese food-delivery reviews (waimai_10k)
 * with a small BERT ({@link SentimentModel}) trained from random initialisation. Tokenizes the text
 * with the Chinese BERT vocabulary, trains with a Keras-style line per epoch, evaluates on a held-out
 * tenth, saves the weights as safetensors, reloads them into a fresh model, and classifies the
 * sentences given as arguments (or a few built-in ones).
 */
public final class SentimentClassification {
  static final int MAX_LENGTH = 64;
  static final int BATCH = 32;
  private static final int EPOCHS = 2;
  private static final long SEED = 42;
  private static final String[] LABELS = {"negative", "positive"};
  private static final String[] DEFAULT_SENTENCES = {
      "味道很好，送餐也快，下次还点", "等了两个小时，饭都凉了，再也不点了", "分量足，价格实惠，推荐"};

  private SentimentClassification() {}

  public static void main(String[] args) throws IOException {
    Tokenizer tokenizer = tokenizer();
    List<Sample> samples = shuffledSamples(tokenizer);
    int heldOut = samples.size() / 10;
    List<Sample> test = samples.subList(0, heldOut);
    List<Sample> train = samples.subList(heldOut, samples.size());
    System.out.printf("waimai_10k: %d reviews, training on %d, holding out %d%n", samples.size(),
        train.size(), test.size());

    Path saved = Path.of(args.length > 0 && args[0].endsWith(".safetensors") ? args[0]
        : "target/sentiment-model.safetensors");
    List<String> sentences = new ArrayList<>();
    for (String arg : args) {
      if (!arg.endsWith(".safetensors")) {
        sentences.add(arg);
      }
    }
    if (sentences.isEmpty()) {
      sentences.addAll(List.of(DEFAULT_SENTENCES));
    }

    try (Kernels kernels = Backend.auto();
        SentimentModelImpl model = SentimentModelImpl.create(kernels, BATCH, MAX_LENGTH)) {
      model.initialize(SEED);
      model.seedDropout(SEED);
      BatchIterator.Builder batches =
          BatchIterator.over(train).batchSize(BATCH).shuffle(SEED).groupByLength(BATCH * 50);
      for (int epoch = 1; epoch <= EPOCHS; epoch++) {
        long start = System.nanoTime();
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        int steps = 0;
        BatchIterator iterator = batches.epoch(epoch);
        while (iterator.hasNext()) {
          Batch batch = iterator.next();
          lossSum += model.trainStep(batch) * batch.size();
          correct += correct(model.lastOutputs().classLogits(), batch.labels());
          seen += batch.size();
          steps++;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("Epoch %d/%d%n%d/%d [==============================] - %.0fs %.0fms/step"
            + " - loss: %.4f - accuracy: %.4f - val_accuracy: %.4f%n", epoch, EPOCHS, steps, steps,
            seconds, 1000 * seconds / steps, lossSum / seen, (double) correct / seen,
            accuracy(model, test));
      }
      double accuracy = accuracy(model, test);
      System.out.printf("held-out accuracy: %.4f (majority class: %.4f)%n", accuracy,
          majority(test));

      Files.createDirectories(saved.toAbsolutePath().getParent());
      model.save(saved);
      try (SentimentModelImpl reloaded = SentimentModelImpl.create(kernels, BATCH, MAX_LENGTH)) {
        reloaded.load(saved);
        System.out.printf("saved %s (%,d bytes), reloaded: held-out accuracy %.4f%n", saved,
            Files.size(saved), accuracy(reloaded, test));
        for (String sentence : sentences) {
          Encoding encoding = tokenizer.encode(sentence, MAX_LENGTH);
          FloatTensor logits = reloaded.forward(
              Batch.of(new int[][] {encoding.tokenIds()}, new int[][] {encoding.segmentIds()}))
              .classLogits();
          double positive = 1 / (1 + Math.exp(logits.get(0, 0) - logits.get(0, 1)));
          System.out.printf("%s → %s (p(positive) = %.2f)%n", sentence,
              LABELS[positive >= 0.5 ? 1 : 0], positive);
        }
      }
    }
  }

  /** The reviews, tokenized and shuffled with the example's seed: the first tenth is held out. */
  static List<Sample> shuffledSamples(Tokenizer tokenizer) throws IOException {
    List<Sample> samples = new ArrayList<>();
    for (DelimitedRow row : DelimitedReader.csv().read(resource("waimai_10k.csv"), "waimai_10k.csv")) {
      Encoding encoding = tokenizer.encode(row.get("review"), MAX_LENGTH);
      samples.add(Sample.withLabel(encoding.tokenIds(), encoding.segmentIds(), row.integer("label")));
    }
    Collections.shuffle(samples, new Random(SEED));
    return samples;
  }

  /** The Chinese BERT vocabulary's tokenizer. */
  static Tokenizer tokenizer() throws IOException {
    return Tokenizer.fromVocab(resource("vocab.txt"), "vocab.txt");
  }

  private static double accuracy(SentimentModelImpl model, List<Sample> samples) {
    long correct = 0;
    BatchIterator batches = BatchIterator.over(samples).batchSize(BATCH).epoch(0);
    while (batches.hasNext()) {
      Batch batch = batches.next();
      correct += correct(model.forward(batch).classLogits(), batch.labels());
    }
    return (double) correct / samples.size();
  }

  private static long correct(FloatTensor logits, int[] labels) {
    long correct = 0;
    for (int b = 0; b < labels.length; b++) {
      int predicted = logits.get(b, 1) > logits.get(b, 0) ? 1 : 0;
      correct += predicted == labels[b] ? 1 : 0;
    }
    return correct;
  }

  private static double majority(List<Sample> samples) {
    long positive = samples.stream().filter(s -> s.label() == 1).count();
    return Math.max(positive, samples.size() - positive) / (double) samples.size();
  }

  private static InputStream resource(String name) {
    InputStream in = SentimentClassification.class.getResourceAsStream(name);
    if (in == null) {
      throw new UncheckedIOException(new IOException("missing resource bert4j/examples/" + name));
    }
    return in;
  }
}
