package bert4j.runtime.text;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Tokenizes and encodes a generated, deterministic 10 MB (UTF-8) corpus of mixed Chinese and English on
 * one thread and prints MB/s and tokens/s. Not a test; run it with
 *
 * <pre>
 * mvn -q -o -pl runtime -am test-compile
 * java -cp runtime/target/classes:runtime/target/test-classes bert4j.runtime.text.TokenizerBenchmark
 * </pre>
 *
 * (an optional argument sets the corpus size in MB).
 */
public final class TokenizerBenchmark {
  private static final String CHINESE =
      "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
          + "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去"
          + "把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或"
          + "但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次"
          + "品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必"
          + "战先回则任取据处府研臺灣龍體";
  private static final String[] ENGLISH = {
      "the", "model", "transformer", "attention", "BERT", "tokenizer", "learning", "deep", "network",
      "Java", "compile", "ahead", "of", "time", "embedding", "layer", "normalization", "gradient",
      "optimizer", "Adam", "batch", "sequence", "length", "padding", "vocabulary", "WordPiece",
      "unbelievable", "naïve", "café", "Ångström", "iPhone", "GPU", "CUDA", "x86_64", "don't",
      "e-mail", "https://example.com/a?b=c", "user@example.org", "pre-training", "fine-tuning"};
  private static final String[] PUNCTUATION = {"，", "。", "！", "？", "、", "：", "；", "“", "”",
      ",", ".", "!", "?", ";", ":", "(", ")", "《", "》", "（", "）"};
  private static final String[] OTHER = {"2023", "3.14", "1,000", "１２３", "ＡＢＣ", "😀", "👍",
      "\t", "\u3000", "한국어", "ありがとう", "Σοφία"};

  private TokenizerBenchmark() {}

  public static void main(String[] args) throws IOException {
    int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    Tokenizer tokenizer;
    try (InputStream vocab = TokenizerBenchmark.class.getResourceAsStream(
        "/vocab/chinese_bert_vocab.txt")) {
      tokenizer = Tokenizer.fromVocab(vocab, "chinese_bert_vocab.txt");
    }
    List<String> corpus = corpus(megabytes * 1_000_000L);
    long bytes = corpus.stream().mapToLong(s -> s.getBytes(StandardCharsets.UTF_8).length).sum();
    long chars = corpus.stream().mapToLong(String::length).sum();
    System.out.printf("corpus: %d lines, %.2f MB UTF-8, %d chars%n", corpus.size(), bytes / 1e6, chars);

    run(tokenizer, corpus); // warm-up
    run(tokenizer, corpus);
    double[] seconds = new double[5];
    long tokens = 0;
    for (int r = 0; r < seconds.length; r++) {
      long start = System.nanoTime();
      tokens = run(tokenizer, corpus);
      seconds[r] = (System.nanoTime() - start) / 1e9;
    }
    Arrays.sort(seconds);
    double median = seconds[seconds.length / 2];
    System.out.printf("tokenize+encode, 1 thread: median %.3f s (best %.3f s) of %d runs%n", median,
        seconds[0], seconds.length);
    System.out.printf("%.1f MB/s, %.2f M tokens/s (%d tokens incl. [CLS]/[SEP])%n", bytes / 1e6 / median,
        tokens / 1e6 / median, tokens);
  }

  private static long run(Tokenizer tokenizer, List<String> corpus) {
    long tokens = 0;
    for (String line : corpus) {
      tokens += tokenizer.encode(line).length();
    }
    return tokens;
  }

  /** Lines of 20–300 characters mixing Chinese runs, English words, numbers, punctuation and emoji. */
  private static List<String> corpus(long targetBytes) {
    SplittableRandom random = new SplittableRandom(20240601L);
    List<String> lines = new ArrayList<>();
    long bytes = 0;
    StringBuilder line = new StringBuilder();
    while (bytes < targetBytes) {
      line.setLength(0);
      int length = 20 + random.nextInt(280);
      while (line.length() < length) {
        int kind = random.nextInt(100);
        if (kind < 55) {
          int run = 1 + random.nextInt(12);
          for (int i = 0; i < run; i++) {
            line.append(CHINESE.charAt(random.nextInt(CHINESE.length())));
          }
        } else if (kind < 85) {
          line.append(' ').append(ENGLISH[random.nextInt(ENGLISH.length)]).append(' ');
        } else if (kind < 97) {
          line.append(PUNCTUATION[random.nextInt(PUNCTUATION.length)]);
        } else {
          line.append(OTHER[random.nextInt(OTHER.length)]);
        }
      }
      String text = line.toString();
      lines.add(text);
      bytes += text.getBytes(StandardCharsets.UTF_8).length;
    }
    return lines;
  }
}
