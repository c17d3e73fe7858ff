package bert4j.examples.tasks;

import bert4j.dsl.Mask;
import bert4j.runtime.Backend;
import bert4j.runtime.TransformerModel;
import bert4j.runtime.data.BatchIterator;
import bert4j.runtime.data.DelimitedReader;
import bert4j.runtime.data.DelimitedRow;
import bert4j.runtime.data.Sample;
import bert4j.runtime.generate.AutoRegressiveDecoder;
import bert4j.runtime.generate.BeamSearch;
import bert4j.runtime.generate.DecodeLimits;
import bert4j.runtime.generate.IncrementalLm;
import bert4j.runtime.generate.RecomputingLm;
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
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Couplets with UniLM (bert4keras's task_seq2seq_autotitle, on couplets): given the first half
 * (上联), generate the second (下联). A small BERT with the UniLM mask ({@link CoupletModel}) trained
 * from random initialisation on {@code [CLS] first [FILL]… [SEP] second [SEP]} ({@link CoupletLayout}:
 * the first half in a fixed slot, so each second-half character sits a fixed distance after its
 * counterpart), the second half in segment 1; then beam search on held-out first halves it never
 * trained on, each second half exactly as long as its first half (the two halves of a couplet always
 * are), scored by character accuracy (the generated character equals the reference's at the same
 * position, over all reference characters) and character-level corpus BLEU-4; then the second halves
 * of the first halves given on the command line.
 *
 * <p>Run: {@code mvn -q -f examples/pom.xml exec:java
 * -Dexec.mainClass=bert4j.examples.tasks.CoupletGeneration
 * [-Dexec.args="--data=PAIRS.tsv[.gz] --epochs=N --evaluate=N 上联 ..."]}: PAIRS is
 * {@code 上联<TAB>下联} per line (default: the shipped couplets.tsv.gz, pairs of at most 9
 * characters from couplets_zzj; pairs with a longer half are left out); 5% of the pairs are held out,
 * and the first {@code --evaluate} (500) of them decoded.
 */
public final class CoupletGeneration {
  static final int MAX_CHARS = 9;
  private static final int BATCH = 64;
  private static final int BEAM = 3;
  private static final long SEED = 13;

  private CoupletGeneration() {}

  /** One couplet. */
  record Couplet(String first, String second) {}

  public static void main(String[] args) throws IOException {
    ExampleArgs options = new ExampleArgs(args, Set.of("data", "epochs", "evaluate"));
    List<Couplet> couplets = new ArrayList<>();
    List<Couplet> read = read(options.text("data"));
    for (Couplet c : read) {
      if (c.first().codePointCount(0, c.first().length()) <= MAX_CHARS
          && c.second().codePointCount(0, c.second().length()) <= MAX_CHARS) {
        couplets.add(c);
      }
    }
    Collections.shuffle(couplets, new Random(SEED));
    int heldOutCount = Math.max(1, couplets.size() / 20);
    List<Couplet> heldOut = couplets.subList(0, heldOutCount);
    List<Couplet> train = couplets.subList(heldOutCount, couplets.size());
    List<String> texts = new ArrayList<>();
    for (Couplet c : train) {
      texts.add(c.first());
      texts.add(c.second());
    }
    Vocabulary vocab = CharVocabulary.of(texts, 4000, CoupletLayout.FILLER);
    Tokenizer tokenizer = Tokenizer.builder(vocab).build();
    CoupletLayout layout = new CoupletLayout(tokenizer, MAX_CHARS);
    List<Sample> samples = new ArrayList<>();
    for (Couplet c : train) {
      samples.add(layout.sample(c.first(), c.second()));
    }
    List<Couplet> evaluated = heldOut.subList(0, Math.min(heldOut.size(),
        options.integer("evaluate", 500)));
    System.out.printf("couplets: training on %d, holding out %d, decoding %d of them%s%n", train.size(),
        heldOut.size(), evaluated.size(), read.size() == couplets.size() ? ""
            : " (" + (read.size() - couplets.size()) + " with a half over " + MAX_CHARS
                + " characters left out)");
    try (Kernels kernels = Backend.auto();
        TransformerModel model = CoupletModelImpl.create(kernels, BATCH, layout.maxLength())) {
      model.initialize(SEED);
      model.seedDropout(SEED);
      long started = System.nanoTime();
      BatchIterator.Builder batches = BatchIterator.over(samples).batchSize(BATCH).shuffle(SEED)
          .groupByLength(BATCH * 50);
      int epochs = options.integer("epochs", 8);
      Trainer.builder().build().fit(model, batches, epochs);
      double trainingSeconds = (System.nanoTime() - started) / 1e9;
      System.out.printf(Locale.ROOT, "training took %.1f min, %.3f s a step%n", trainingSeconds / 60,
          trainingSeconds / ((long) batches.steps() * epochs));
      IncrementalLm lm = RecomputingLm.unlessIncremental(model, Mask.UNILM, BATCH, layout.maxLength());
      started = System.nanoTime();
      List<String> outputs = secondHalves(lm, tokenizer, layout,
          evaluated.stream().map(Couplet::first).toList());
      double seconds = (System.nanoTime() - started) / 1e9;
      long correct = 0;
      long total = 0;
      CharBleu bleu = new CharBleu();
      for (int i = 0; i < evaluated.size(); i++) {
        List<String> reference = chars(evaluated.get(i).second());
        List<String> output = chars(outputs.get(i));
        for (int p = 0; p < reference.size(); p++) {
          correct += p < output.size() && output.get(p).equals(reference.get(p)) ? 1 : 0;
        }
        total += reference.size();
        bleu.add(output, reference);
      }
      System.out.printf(Locale.ROOT, "held-out (%d first halves, beam width %d, %.1f s): character "
              + "accuracy %.4f, BLEU-4 %.4f%n", evaluated.size(), BEAM, seconds,
          (double) correct / total, bleu.score());
      for (int i = 0; i < Math.min(5, evaluated.size()); i++) {
        System.out.printf("  %s → %s (reference %s)%n", evaluated.get(i).first(), outputs.get(i),
            evaluated.get(i).second());
      }
      if (!options.texts().isEmpty()) {
        List<String> given = secondHalves(lm, tokenizer, layout, options.texts());
        for (int i = 0; i < given.size(); i++) {
          System.out.printf("%s → %s%n", options.texts().get(i), given.get(i));
        }
      }
    }
  }

  /**
   * The beam-search second half of each first half, exactly as many tokens long: the first halves are
   * decoded in groups of one length n, each with limits that allow neither the end token nor more than
   * n tokens ({@code DecodeLimits(sep, n, n)}).
   */
  static List<String> secondHalves(IncrementalLm lm, Tokenizer tokenizer, CoupletLayout layout,
      List<String> firsts) {
    Map<Integer, List<Integer>> byLength = new TreeMap<>();
    for (int i = 0; i < firsts.size(); i++) {
      byLength.computeIfAbsent(layout.half(firsts.get(i)).length, n -> new ArrayList<>()).add(i);
    }
    String[] outputs = new String[firsts.size()];
    for (Map.Entry<Integer, List<Integer>> group : byLength.entrySet()) {
      int n = group.getKey();
      if (n == 0) {
        group.getValue().forEach(i -> outputs[i] = "");
        continue;
      }
      AutoRegressiveDecoder decoder = new AutoRegressiveDecoder(lm,
          new DecodeLimits(tokenizer.sepId(), n, n));
      int[][] prompts = group.getValue().stream().map(i -> layout.prompt(firsts.get(i)))
          .toArray(int[][]::new);
      int[][] generated = decoder.beamSearch(prompts, null, BeamSearch.of(BEAM));
      for (int j = 0; j < generated.length; j++) {
        outputs[group.getValue().get(j)] = tokenizer.decode(generated[j]);
      }
    }
    return List.of(outputs);
  }

  /** The characters of {@code text}, one string per code point. */
  static List<String> chars(String text) {
    return text.codePoints().mapToObj(Character::toString).toList();
  }

  /** The couplets of {@code path}, or of the shipped subset when it is null. */
  static List<Couplet> read(String path) throws IOException {
    String name = path != null ? path : "couplets.tsv.gz";
    List<DelimitedRow> rows;
    try (InputStream in = Resources.openPathOr(path, "couplets.tsv.gz")) {
      rows = DelimitedReader.tsv().withoutHeader().read(in, name);
    }
    List<Couplet> couplets = new ArrayList<>();
    for (DelimitedRow row : rows) {
      if (row.size() != 2 || row.get(0).isBlank() || row.get(1).isBlank()) {
        throw row.error("expected 上联<TAB>下联, both non-empty");
      }
      couplets.add(new Couplet(row.get(0).strip(), row.get(1).strip()));
    }
    return couplets;
  }
}
