package bert4j.examples.tasks;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.generate.AutoRegressiveDecoder;
import bert4j.runtime.generate.BeamSearch;
import bert4j.runtime.generate.DecodeLimits;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.text.sentencepiece.SentencePieceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Couplets with T5 (an encoder–decoder): the first half (上联) in, the second (下联) out. A small
 * T5 1.1 ({@link CoupletT5Model}) trained from T5's initialisation with teacher forcing (labels:
 * the second half's pieces and the end token {@code </s>}; the decoder reads them shifted right after
 * the start token 0, {@code <pad>}), then beam search with the key/value cache on held-out first
 * halves, scored on the decoded text as {@link CoupletGeneration} scores its UniLM: character accuracy
 * and character-level BLEU-4. A second half is as long as its first, so each output is held to the
 * first half's length.
 *
 * <p>Tokens are the pieces of a SentencePiece model (unigram, one character per piece, ids as T5's:
 * pad 0, end 1, unknown 2) trained on the training pairs by {@code tools/couplet-spm/make_couplet_spm.py}
 * and shipped as {@code couplets_spm.model}.
 *
 * <p>Run: {@code mvn -q -f examples/pom.xml exec:java -Dexec.mainClass=bert4j.examples.tasks.CoupletT5
 * [-Dexec.args="--data=PAIRS.tsv[.gz] --spm=MODEL --epochs=N --evaluate=N 上联 ..."]}, the data and
 * the held-out split as {@link CoupletGeneration}'s.
 */
public final class CoupletT5 {
  /** The longest input or decoder sequence: 9 characters and the end token, with room to spare. */
  private static final int MAX_LENGTH = CoupletGeneration.MAX_CHARS + 3;
  private static final int BATCH = 64;
  private static final int BEAM = 3;
  private static final long SEED = 13;
  private static final int EPOCHS = 10;
  private static final int SHOWN = 8;

  private CoupletT5() {}

  public static void main(String[] args) throws IOException {
    ExampleArgs options = new ExampleArgs(args, Set.of("data", "spm", "epochs", "evaluate"));
    List<CoupletGeneration.Couplet> couplets = CoupletGeneration.read(options.text("data"));
    Collections.shuffle(couplets, new Random(SEED));
    int heldOutCount = Math.max(1, couplets.size() / 20);
    List<CoupletGeneration.Couplet> heldOut = couplets.subList(0, heldOutCount);
    List<CoupletGeneration.Couplet> train = couplets.subList(heldOutCount, couplets.size());
    SentencePieceTokenizer pieces = tokenizer(options.text("spm"));
    List<CoupletGeneration.Couplet> evaluated = heldOut.subList(0, Math.min(heldOut.size(),
        options.integer("evaluate", 500)));
    System.out.printf("couplets (T5): training on %d, holding out %d, decoding %d of them; "
        + "%d SentencePiece pieces%n", train.size(), heldOut.size(), evaluated.size(),
        pieces.vocabSize());
    try (Kernels kernels = Backend.auto();
        CoupletT5ModelImpl model = CoupletT5ModelImpl.create(kernels, BATCH, MAX_LENGTH)) {
      if (pieces.vocabSize() > model.vocab()) {
        throw new IllegalArgumentException("the SentencePiece model has " + pieces.vocabSize()
            + " pieces; CoupletT5Model's vocabulary holds " + model.vocab());
      }
      model.initialize(SEED);
      model.seedDropout(SEED);
      long started = System.nanoTime();
      List<CoupletGeneration.Couplet> order = new ArrayList<>(train);
      Random shuffle = new Random(SEED);
      int epochs = options.integer("epochs", EPOCHS);
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
            inputs[b] = ids(pieces, part.get(b).first());
            labels[b] = ids(pieces, part.get(b).second());
          }
          sum += model.trainStep(Batch.seq2seq(padded(inputs, 0), padded(labels, -1)));
          steps++;
        }
        System.out.printf(Locale.ROOT, "epoch %d: mean training loss %.4f%n", epoch, sum / steps);
      }
      System.out.printf(Locale.ROOT, "training took %.1f min%n", (System.nanoTime() - started) / 6e10);
      started = System.nanoTime();
      List<String> outputs = secondHalves(model, pieces,
          evaluated.stream().map(CoupletGeneration.Couplet::first).toList());
      double seconds = (System.nanoTime() - started) / 1e9;
      long correct = 0;
      long total = 0;
      CharBleu bleu = new CharBleu();
      for (int i = 0; i < evaluated.size(); i++) {
        List<String> reference = CoupletGeneration.chars(evaluated.get(i).second());
        List<String> output = CoupletGeneration.chars(outputs.get(i));
        for (int p = 0; p < reference.size(); p++) {
          correct += p < output.size() && output.get(p).equals(reference.get(p)) ? 1 : 0;
        }
        total += reference.size();
        bleu.add(output, reference);
      }
      System.out.printf(Locale.ROOT, "held-out (%d first halves, beam width %d, %.1f s): character "
              + "accuracy %.4f, BLEU-4 %.4f%n", evaluated.size(), BEAM, seconds,
          (double) correct / total, bleu.score());
      for (int i = 0; i < Math.min(SHOWN, evaluated.size()); i++) {
        System.out.printf("  %s → %s (reference %s)%n", evaluated.get(i).first(), outputs.get(i),
            evaluated.get(i).second());
      }
      List<String> given = options.texts();
      List<String> answers = secondHalves(model, pieces, given);
      for (int i = 0; i < given.size(); i++) {
        System.out.printf("%s → %s%n", given.get(i), answers.get(i));
      }
    }
  }

  /** The shipped SentencePiece model, or the one at {@code path}. */
  private static SentencePieceTokenizer tokenizer(String path) throws IOException {
    try (InputStream in = Resources.openPathOr(path, "couplets_spm.model")) {
      SentencePieceTokenizer pieces = SentencePieceTokenizer.read(in,
          path != null ? path : "couplets_spm.model");
      if (pieces.padId() != 0 || pieces.eosId() < 1) {
        throw new IllegalArgumentException("the SentencePiece model's pad id is " + pieces.padId()
            + " and its end id " + pieces.eosId() + "; T5 needs pad 0 (the decoder's start) and an"
            + " end id above 0");
      }
      return pieces;
    }
  }

  /**
   * The second halves of {@code firsts} by beam search, each exactly as many pieces long as its first
   * half has characters (at most {@link CoupletGeneration#MAX_CHARS}): first halves of one length are
   * decoded together under limits that allow neither an earlier nor a later end.
   */
  private static List<String> secondHalves(CoupletT5ModelImpl model, SentencePieceTokenizer pieces,
      List<String> firsts) {
    TreeMap<Integer, List<Integer>> byLength = new TreeMap<>();
    for (int i = 0; i < firsts.size(); i++) {
      int length = (int) Math.min(CoupletGeneration.MAX_CHARS, firsts.get(i).codePoints().count());
      byLength.computeIfAbsent(length, n -> new ArrayList<>()).add(i);
    }
    String[] texts = new String[firsts.size()];
    byLength.forEach((length, rows) -> {
      if (length == 0) {
        rows.forEach(i -> texts[i] = "");
        return;
      }
      AutoRegressiveDecoder decoder = new AutoRegressiveDecoder(model,
          new DecodeLimits(pieces.eosId(), length, length));
      int[][] prompts = rows.stream().map(i -> ids(pieces, firsts.get(i))).toArray(int[][]::new);
      int[][] generated = decoder.beamSearch(prompts, null, BeamSearch.of(BEAM));
      for (int r = 0; r < rows.size(); r++) {
        texts[rows.get(r)] = pieces.decode(generated[r]);
      }
    });
    return Arrays.asList(texts);
  }

  /** The piece ids of the first {@link CoupletGeneration#MAX_CHARS} characters, then the end id. */
  private static int[] ids(SentencePieceTokenizer pieces, String text) {
    int[] ids = pieces.encodeAsIds(text.codePoints().limit(CoupletGeneration.MAX_CHARS)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
        .toString());
    int[] withEnd = Arrays.copyOf(ids, ids.length + 1);
    withEnd[ids.length] = pieces.eosId();
    return withEnd;
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
