package bert4j.examples.tasks;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.generate.AutoRegressiveDecoder;
import bert4j.runtime.generate.BeamSearch;
import bert4j.runtime.generate.DecodeLimits;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.text.Vocabulary;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Couplets with T5 (an encoder–decoder): the first half (上联) in, the second (下联) out. A small
 * T5 1.1 ({@link CoupletT5Model}) trained from random initialisation with teacher forcing (labels:
 * the second half's characters and the end token [SEP]; the decoder reads them shifted right after
 * the start token 0), then beam search with the key/value cache on held-out first halves, scored as
 * {@link CoupletGeneration} scores its UniLM: character accuracy and character-level BLEU-4. Tokens
 * are characters (the 4,000 most frequent of the training halves).
 *
 * <p>Run: {@code mvn -q -f examples/pom.xml exec:java -Dexec.mainClass=bert4j.examples.tasks.CoupletT5
 * [-Dexec.args="--data=PAIRS.tsv[.gz] --epochs=N --evaluate=N 上联 ..."]}, the data and the
 * held-out split as {@link CoupletGeneration}'s.
 */
public final class CoupletT5 {
  /** The longest input or decoder sequence: 9 characters and the end token, with room to spare. */
  private static final int MAX_LENGTH = CoupletGeneration.MAX_CHARS + 3;
  private static final int BATCH = 64;
  private static final int BEAM = 3;
  private static final long SEED = 13;

  private CoupletT5() {}

  public static void main(String[] args) throws IOException {
    ExampleArgs options = new ExampleArgs(args, Set.of("data", "epochs", "evaluate"));
    List<CoupletGeneration.Couplet> couplets = CoupletGeneration.read(options.text("data"));
    Collections.shuffle(couplets, new Random(SEED));
    int heldOutCount = Math.max(1, couplets.size() / 20);
    List<CoupletGeneration.Couplet> heldOut = couplets.subList(0, heldOutCount);
    List<CoupletGeneration.Couplet> train = couplets.subList(heldOutCount, couplets.size());
    List<String> texts = new ArrayList<>();
    for (CoupletGeneration.Couplet c : train) {
      texts.add(c.first());
      texts.add(c.second());
    }
    Vocabulary vocab = CharVocabulary.of(texts, 4000);
    int end = vocab.id("[SEP]");
    List<CoupletGeneration.Couplet> evaluated = heldOut.subList(0, Math.min(heldOut.size(),
        options.integer("evaluate", 500)));
    System.out.printf("couplets (T5): training on %d, holding out %d, decoding %d of them%n",
        train.size(), heldOut.size(), evaluated.size());
    try (Kernels kernels = Backend.auto();
        CoupletT5ModelImpl model = CoupletT5ModelImpl.create(kernels, BATCH, MAX_LENGTH)) {
      model.initialize(SEED);
      model.seedDropout(SEED);
      long started = System.nanoTime();
      List<CoupletGeneration.Couplet> order = new ArrayList<>(train);
      Random shuffle = new Random(SEED);
      int epochs = options.integer("epochs", 5);
      for (int epoch = 1; epoch <= epochs; epoch++) {
        Collections.shuffle(order, shuffle);
        double sum = 0;
        int steps = 0;
        for (int from = 0; from < order.size(); from += BATCH) {
          List<CoupletGeneration.Couplet> part = order.subList(from,
              Math.min(order.size(), from + BATCH));
          int[][] inputs = new int[part.size()][];
          int[][] labels = new int[part.size()][];
          for (int b = 0; b < part.size(); b++) {
            inputs[b] = ids(vocab, part.get(b).first(), end);
            labels[b] = ids(vocab, part.get(b).second(), end);
          }
          sum += model.trainStep(Batch.seq2seq(padded(inputs, 0), padded(labels, -1)));
          steps++;
        }
        System.out.printf(Locale.ROOT, "epoch %d: mean training loss %.4f%n", epoch, sum / steps);
      }
      System.out.printf(Locale.ROOT, "training took %.1f min%n", (System.nanoTime() - started) / 6e10);
      AutoRegressiveDecoder decoder = new AutoRegressiveDecoder(model,
          DecodeLimits.of(end, CoupletGeneration.MAX_CHARS + 1));
      started = System.nanoTime();
      int[][] firsts = new int[evaluated.size()][];
      for (int i = 0; i < firsts.length; i++) {
        firsts[i] = ids(vocab, evaluated.get(i).first(), end);
      }
      int[][] generated = decoder.beamSearch(firsts, null, BeamSearch.of(BEAM));
      double seconds = (System.nanoTime() - started) / 1e9;
      long correct = 0;
      long total = 0;
      CharBleu bleu = new CharBleu();
      List<String> outputs = new ArrayList<>();
      for (int i = 0; i < evaluated.size(); i++) {
        String text = text(vocab, generated[i]);
        outputs.add(text);
        List<String> reference = CoupletGeneration.chars(evaluated.get(i).second());
        List<String> output = CoupletGeneration.chars(text);
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
      List<String> given = options.texts();
      if (!given.isEmpty()) {
        int[][] inputs = new int[given.size()][];
        for (int i = 0; i < inputs.length; i++) {
          inputs[i] = ids(vocab, given.get(i), end);
        }
        int[][] answers = decoder.beamSearch(inputs, null, BeamSearch.of(BEAM));
        for (int i = 0; i < inputs.length; i++) {
          System.out.printf("%s → %s%n", given.get(i), text(vocab, answers[i]));
        }
      }
    }
  }

  /** The characters of {@code text} as ids ([UNK] when not in the vocabulary), then {@code end}. */
  private static int[] ids(Vocabulary vocab, String text, int end) {
    int unknown = vocab.id("[UNK]");
    int[] ids = text.codePoints().limit(CoupletGeneration.MAX_CHARS)
        .map(c -> vocab.contains(Character.toString(c)) ? vocab.id(Character.toString(c)) : unknown)
        .toArray();
    int[] withEnd = Arrays.copyOf(ids, ids.length + 1);
    withEnd[ids.length] = end;
    return withEnd;
  }

  private static String text(Vocabulary vocab, int[] ids) {
    StringBuilder text = new StringBuilder();
    for (int id : ids) {
      text.append(vocab.token(id));
    }
    return text.toString();
  }

  /** The rows padded with {@code fill} to the longest. */
  private static int[][] padded(int[][] rows, int fill) {
    int length = 0;
    for (int[] row : rows) {
      length = Math.max(length, row.length);
    }
    int[][] out = new int[rows.length][];
    for (int b = 0; b < rows.length; b++) {
      out[b] = Arrays.copyOf(rows[b], length);
      Arrays.fill(out[b], rows[b].length, length, fill);
    }
    return out;
  }
}
