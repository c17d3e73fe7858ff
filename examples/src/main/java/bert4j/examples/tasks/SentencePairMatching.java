package bert4j.examples.tasks;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.TransformerModel;
import bert4j.runtime.data.BatchIterator;
import bert4j.runtime.data.DelimitedReader;
import bert4j.runtime.data.DelimitedRow;
import bert4j.runtime.data.Sample;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.text.Encoding;
import bert4j.runtime.text.Tokenizer;
import bert4j.runtime.train.Accuracy;
import bert4j.runtime.train.BestWeights;
import bert4j.runtime.train.History;
import bert4j.runtime.train.Monitor;
import bert4j.runtime.train.Trainer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Sentence-pair matching on LCQMC (bert4keras's task_sentence_similarity_lcqmc): does question b ask
 * what question a asks? A small BERT ({@link PairModel}) trained from random initialisation with the
 * {@link Trainer} on 80% of the shipped LCQMC dev pairs, evaluated each epoch on the other 20%
 * (never trained on), keeping the best epoch's weights.
 *
 * <p>Run: {@code mvn -q -f examples/pom.xml exec:java
 * -Dexec.mainClass=bert4j.examples.tasks.SentencePairMatching [-Dexec.args="PAIRS.tsv EPOCHS"]}:
 * PAIRS.tsv is {@code text_a<TAB>text_b<TAB>label} without a header (default: the shipped
 * lcqmc_dev.tsv).
 */
public final class SentencePairMatching {
  private static final int MAX_LENGTH = 96;
  private static final int BATCH = 32;
  private static final long SEED = 7;

  private SentencePairMatching() {}

  public static void main(String[] args) throws IOException {
    int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    Tokenizer tokenizer;
    try (InputStream vocab = Resources.open("vocab.txt")) {
      tokenizer = Tokenizer.fromVocab(vocab, "vocab.txt");
    }
    List<DelimitedRow> rows;
    try (InputStream in = args.length > 0 ? Files.newInputStream(Path.of(args[0]))
        : Resources.open("lcqmc_dev.tsv")) {
      rows = DelimitedReader.tsv().withoutHeader().read(in, args.length > 0 ? args[0] : "lcqmc_dev.tsv");
    }
    List<Sample> samples = new ArrayList<>();
    for (DelimitedRow row : rows) {
      Encoding e = tokenizer.encode(row.get(0), row.get(1), MAX_LENGTH);
      samples.add(Sample.withLabel(e.tokenIds(), e.segmentIds(), Integer.parseInt(row.get(2).trim())));
    }
    Collections.shuffle(samples, new Random(SEED));
    int heldOut = samples.size() / 5;
    List<Sample> dev = samples.subList(0, heldOut);
    List<Sample> train = samples.subList(heldOut, samples.size());
    System.out.printf("LCQMC pairs: %d, training on %d, holding out %d%n", samples.size(),
        train.size(), dev.size());

    try (Kernels kernels = Backend.auto();
        PairModelImpl model = PairModelImpl.create(kernels, BATCH, MAX_LENGTH)) {
      model.initialize(SEED);
      model.seedDropout(SEED);
      Trainer trainer = Trainer.builder()
          .metrics(Accuracy.ofClasses())
          .evaluation(m -> Map.of("val_accuracy", accuracy(m, dev)))
          .callbacks(BestWeights.inMemory(Monitor.max("val_accuracy")).restoringAtEnd())
          .build();
      History history = trainer.fit(model, BatchIterator.over(train).batchSize(BATCH).shuffle(SEED)
          .groupByLength(BATCH * 50), epochs);
      System.out.printf("held-out accuracy (best epoch's weights): %.4f (majority class %.4f); %s%n",
          accuracy(model, dev), majority(dev), history.epochs().size() + " epochs");
    }
  }

  static double accuracy(TransformerModel model, List<Sample> samples) {
    long correct = 0;
    BatchIterator batches = BatchIterator.over(samples).batchSize(BATCH).epoch(0);
    while (batches.hasNext()) {
      Batch batch = batches.next();
      FloatTensor logits = model.forward(batch).classLogits();
      for (int b = 0; b < batch.size(); b++) {
        int predicted = logits.get(b, 1) > logits.get(b, 0) ? 1 : 0;
        correct += predicted == batch.labels()[b] ? 1 : 0;
      }
    }
    return (double) correct / samples.size();
  }

  private static double majority(List<Sample> samples) {
    long positive = samples.stream().filter(s -> s.label() == 1).count();
    return Math.max(positive, samples.size() - positive) / (double) samples.size();
  }
}
