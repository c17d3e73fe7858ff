package bert4j.runtime.text.sentencepiece;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Encodes about 10 MB (UTF-8) of text with each fixture model on one thread and prints MB/s of input
 * and pieces/s, by wall time and by the thread's CPU time (the second is what one core does when other
 * processes share the machine; on a quiet machine the two agree). Then times loading a model the size of
 * mT5's (250,000 pieces: the unigram fixture's plus random CJK and Latin pieces). The text is the 2,000 test lines of the fixtures (held-out Chinese and English with
 * the perturbations of {@code make.py}), repeated. Not a test; run it with
 *
 * <pre>
 * mvn -q -o -pl runtime test-compile
 * java -cp runtime/target/classes:runtime/target/test-classes:$(cat cp.txt) \
 *     bert4j.runtime.text.sentencepiece.SentencePieceBenchmark [megabytes]
 * </pre>
 *
 * where {@code cp.txt} comes from {@code mvn -q -o -pl runtime dependency:build-classpath
 * -Dmdep.outputFile=cp.txt}.
 */
public final class SentencePieceBenchmark {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private SentencePieceBenchmark() {
  }

  public static void main(String[] args) throws SentencePieceException {
    long target = (args.length > 0 ? Integer.parseInt(args[0]) : 10) * 1_000_000L;
    List<String> lines = new ArrayList<>();
    for (JsonNode c : SentencePieceFixtures.cases()) {
      lines.add(c.get("text").asText());
    }
    List<String> corpus = new ArrayList<>();
    long bytes = 0;
    while (bytes < target) {
      for (String line : lines) {
        corpus.add(line);
        bytes += line.getBytes(StandardCharsets.UTF_8).length;
      }
    }
    System.out.printf("corpus: %d lines, %.2f MB UTF-8%n", corpus.size(), bytes / 1e6);
    for (String name : new String[] {"unigram", "bpe"}) {
      SentencePieceTokenizer tokenizer = SentencePieceFixtures.model(name);
      run(tokenizer, corpus);
      run(tokenizer, corpus);
      double[] seconds = new double[5];
      double[] cpuSeconds = new double[5];
      long pieces = 0;
      for (int r = 0; r < seconds.length; r++) {
        long cpuStart = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        pieces = run(tokenizer, corpus);
        seconds[r] = (System.nanoTime() - start) / 1e9;
        cpuSeconds[r] = (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e9;
      }
      Arrays.sort(seconds);
      Arrays.sort(cpuSeconds);
      System.out.printf("%-7s encode: wall median %.1f MB/s (best %.1f), CPU time median %.1f MB/s"
          + " (best %.1f), %.2f M pieces/s (CPU), %d pieces%n", name, bytes / 1e6 / seconds[2],
          bytes / 1e6 / seconds[0], bytes / 1e6 / cpuSeconds[2], bytes / 1e6 / cpuSeconds[0],
          pieces / 1e6 / cpuSeconds[2], pieces);
    }
    timeLargeModelLoad();
  }

  private static void timeLargeModelLoad() throws SentencePieceException {
    ModelProto fixture = ModelProtoReader.read(SentencePieceFixtures.modelBytes("unigram"), "unigram");
    List<Piece> pieces = new ArrayList<>(fixture.pieces());
    Set<String> seen = new HashSet<>();
    pieces.forEach(piece -> seen.add(piece.text()));
    SplittableRandom random = new SplittableRandom(250_000);
    while (pieces.size() < 250_000) {
      StringBuilder text = new StringBuilder(random.nextBoolean() ? "\u2581" : "");
      for (int i = random.nextInt(1, 5); i > 0; i--) {
        text.appendCodePoint(random.nextInt(3) == 0 ? 'a' + random.nextInt(26)
            : 0x4E00 + random.nextInt(20_000));
      }
      String piece = text.toString();
      if (seen.add(piece)) {
        pieces.add(new Piece(piece, piece.getBytes(StandardCharsets.UTF_8),
            -10 - 5 * random.nextFloat(), PieceType.NORMAL));
      }
    }
    byte[] model = ModelProtoWriter.write(new ModelProto(pieces, fixture.trainerSpec(),
        fixture.normalizerSpec(), null));
    double[] cpuSeconds = new double[5];
    for (int r = 0; r < cpuSeconds.length; r++) {
      long cpuStart = THREADS.getCurrentThreadCpuTime();
      SentencePieceTokenizer.fromBytes(model, "large");
      cpuSeconds[r] = (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e9;
    }
    Arrays.sort(cpuSeconds);
    System.out.printf("load of %d pieces (%.1f MB): CPU time median %.2f s (best %.2f)%n",
        pieces.size(), model.length / 1e6, cpuSeconds[2], cpuSeconds[0]);
  }

  private static long run(SentencePieceTokenizer tokenizer, List<String> corpus) {
    long pieces = 0;
    for (String line : corpus) {
      pieces += tokenizer.encode(line).length();
    }
    return pieces;
  }
}
