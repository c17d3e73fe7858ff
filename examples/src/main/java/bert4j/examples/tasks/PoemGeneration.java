package bert4j.examples.tasks;

import bert4j.dsl.Mask;
import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.TransformerModel;
import bert4j.runtime.data.BatchIterator;
import bert4j.runtime.data.DelimitedReader;
import bert4j.runtime.data.DelimitedRow;
import bert4j.runtime.data.Sample;
import bert4j.runtime.generate.AutoRegressiveDecoder;
import bert4j.runtime.generate.DecodeLimits;
import bert4j.runtime.generate.IncrementalLm;
import bert4j.runtime.generate.PromptForm;
import bert4j.runtime.generate.RecomputingLm;
import bert4j.runtime.generate.Sampling;
import bert4j.runtime.generate.TextGenerator;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.text.Tokenizer;
import bert4j.runtime.text.Vocabulary;
import bert4j.runtime.train.Trainer;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Tang quatrains with a GPT-2-style language model (bert4keras's poem-writing examples): a small
 * GPT-2 ({@link PoemModel}) trained from random initialisation on {@code [CLS] poem [SEP]}, one
 * character per token; per-character perplexity on held-out poems it never trained on (every token
 * after [CLS] predicted from those before it: characters, punctuation and the closing [SEP]); then 100
 * poems sampled with top-k and top-p from a fixed seed, from nothing or from a first line given on the
 * command line, and a count of those that keep the quatrain's form: four lines of five, or of seven,
 * characters, as {@code A，B。C，D。}.
 *
 * <p>Run: {@code mvn -q -f examples/pom.xml exec:java
 * -Dexec.mainClass=bert4j.examples.tasks.PoemGeneration
 * [-Dexec.args="--data=POEMS.tsv[.gz] --epochs=N --samples=N FIRST_LINE"]}: POEMS is
 * {@code author<TAB>title<TAB>poem} per line (default: the shipped tang_quatrains.tsv.gz); 500 poems
 * are held out.
 */
public final class PoemGeneration {
  /** Four lines of five or of seven CJK characters, a comma after the first and third, a full stop after the second and fourth. */
  static final Pattern QUATRAIN = Pattern.compile(
      "(\\p{IsHan}{5}，\\p{IsHan}{5}。){2}|(\\p{IsHan}{7}，\\p{IsHan}{7}。){2}");
  private static final int MAX_LENGTH = 48;
  private static final int MAX_TOKENS = 33;
  private static final int BATCH = 64;
  private static final int HELD_OUT = 500;
  private static final long SEED = 17;

  private PoemGeneration() {}

  public static void main(String[] args) throws IOException {
    ExampleArgs options = new ExampleArgs(args, Set.of("data", "epochs", "samples"));
    List<String> poems = read(options.text("data"));
    Collections.shuffle(poems, new Random(SEED));
    int heldOutCount = Math.min(HELD_OUT, poems.size() / 10);
    List<String> heldOut = poems.subList(0, heldOutCount);
    List<String> train = poems.subList(heldOutCount, poems.size());
    Vocabulary vocab = CharVocabulary.of(train, 4000);
    Tokenizer tokenizer = Tokenizer.builder(vocab).build();
    System.out.printf("quatrains: training on %d, holding out %d%n", train.size(), heldOut.size());
    try (Kernels kernels = Backend.auto();
        TransformerModel model = PoemModelImpl.create(kernels, BATCH, MAX_LENGTH)) {
      model.initialize(SEED);
      model.seedDropout(SEED);
      long started = System.nanoTime();
      Trainer.builder().build().fit(model, BatchIterator.over(samples(train, tokenizer))
          .batchSize(BATCH).shuffle(SEED), options.integer("epochs", 2));
      System.out.printf(Locale.ROOT, "training took %.1f min%n", (System.nanoTime() - started) / 6e10);
      System.out.printf(Locale.ROOT, "held-out perplexity per character: %.2f (%d poems)%n",
          perplexity(model, samples(heldOut, tokenizer)), heldOut.size());

      IncrementalLm lm = RecomputingLm.unlessIncremental(model, Mask.LM, BATCH, MAX_LENGTH);
      AutoRegressiveDecoder decoder = new AutoRegressiveDecoder(lm,
          DecodeLimits.of(tokenizer.sepId(), MAX_TOKENS));
      TextGenerator generator = new TextGenerator(decoder, tokenizer, PromptForm.CONTINUATION);
      String firstLine = options.texts().isEmpty() ? "" : options.texts().get(0);
      int count = options.integer("samples", 100);
      Sampling sampling = Sampling.seeded(SEED).withSamples(count).withTopK(40).withTopP(0.9);
      started = System.nanoTime();
      List<String> sampled = generator.sample(List.of(firstLine), sampling).get(0);
      double seconds = (System.nanoTime() - started) / 1e9;
      int kept = 0;
      for (String continuation : sampled) {
        kept += QUATRAIN.matcher(firstLine + continuation).matches() ? 1 : 0;
      }
      System.out.printf(Locale.ROOT, "sampled %d poems (top-k 40, top-p 0.9, seed %d, %.1f s)%s: "
              + "%d keep the 5- or 7-character line form (%.0f%%)%n", count, SEED, seconds,
          firstLine.isEmpty() ? "" : " from \"" + firstLine + "\"", kept, 100.0 * kept / count);
      for (int i = 0; i < Math.min(8, sampled.size()); i++) {
        System.out.println("  " + firstLine + sampled.get(i));
      }
    }
  }

  /** {@code [CLS] poem [SEP]} per poem, segment 0. */
  static List<Sample> samples(List<String> poems, Tokenizer tokenizer) {
    List<Sample> samples = new ArrayList<>();
    for (String poem : poems) {
      var e = tokenizer.encode(poem, MAX_LENGTH);
      samples.add(Sample.of(e.tokenIds(), e.segmentIds()));
    }
    return samples;
  }

  /** exp of the mean negative log-likelihood of every token after the first, padding left out. */
  static double perplexity(TransformerModel model, List<Sample> samples) {
    double nll = 0;
    long count = 0;
    BatchIterator batches = BatchIterator.over(samples).batchSize(BATCH).epoch(0);
    while (batches.hasNext()) {
      Batch batch = batches.next();
      FloatTensor logits = model.forward(batch).mlmLogits();
      int seq = batch.length();
      int vocab = logits.shape()[2];
      float[] data = logits.data();
      for (int b = 0; b < batch.size(); b++) {
        for (int i = 0; i + 1 < seq && batch.tokenIds()[b][i + 1] != 0; i++) {
          int offset = (b * seq + i) * vocab;
          double max = Double.NEGATIVE_INFINITY;
          for (int v = 0; v < vocab; v++) {
            max = Math.max(max, data[offset + v]);
          }
          double sum = 0;
          for (int v = 0; v < vocab; v++) {
            sum += Math.exp(data[offset + v] - max);
          }
          nll += max + Math.log(sum) - data[offset + batch.tokenIds()[b][i + 1]];
          count++;
        }
      }
    }
    return Math.exp(nll / count);
  }

  /** The poems of {@code path}, or of the shipped file when it is null. */
  static List<String> read(String path) throws IOException {
    String name = path != null ? path : "tang_quatrains.tsv.gz";
    List<DelimitedRow> rows;
    try (InputStream in = Resources.openPathOr(path, "tang_quatrains.tsv.gz")) {
      rows = DelimitedReader.tsv().withoutHeader().read(in, name);
    }
    List<String> poems = new ArrayList<>();
    for (DelimitedRow row : rows) {
      if (row.size() != 3 || row.get(2).isBlank()) {
        throw row.error("expected author<TAB>title<TAB>poem with a poem");
      }
      poems.add(row.get(2).strip());
    }
    return poems;
  }
}
