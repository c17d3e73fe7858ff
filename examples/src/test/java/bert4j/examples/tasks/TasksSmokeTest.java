package bert4j.examples.tasks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task examples end to end on tiny subsets of their shipped data (the same programs, given other
 * files, as the README says): they read, train one epoch with the Trainer, evaluate on data they
 * never trained on and print their metric.
 */
class TasksSmokeTest {
  @TempDir
  Path dir;

  @Test
  void nerWithCrfTrainsAndReportsEntityF1() throws IOException {
    List<String> sentences = sentences("msra_ner_train.txt.gz", 80);
    Path train = dir.resolve("train.txt");
    Path held = dir.resolve("held.txt");
    Files.writeString(train, String.join("\n\n", sentences.subList(0, 64)) + "\n");
    Files.writeString(held, String.join("\n\n", sentences.subList(64, 80)) + "\n");
    String out = run(() -> NerWithCrf.main(new String[] {train.toString(), held.toString(), "1"}));
    assertTrue(out.contains("MSRA NER: training on 64 sentences, holding out 16"), out);
    assertTrue(out.matches("(?s).*held-out entity F1 \\d\\.\\d{4} \\(precision .*"), out);
  }

  @Test
  void sentencePairMatchingTrainsAndReportsAccuracy() throws IOException {
    Path pairs = dir.resolve("pairs.tsv");
    Files.write(pairs, lines("lcqmc_dev.tsv", 100));
    String out = run(() -> SentencePairMatching.main(new String[] {pairs.toString(), "1"}));
    assertTrue(out.contains("LCQMC pairs: 100, training on 80, holding out 20"), out);
    assertTrue(out.matches("(?s).*held-out accuracy \\(best epoch's weights\\): \\d\\.\\d{4}.*"), out);
  }

  @Test
  void coupletGenerationTrainsAndReportsAccuracyAndBleu() throws IOException {
    Path pairs = dir.resolve("couplets.tsv");
    Files.write(pairs, lines("couplets.tsv.gz", 80));
    String out = run(() -> CoupletGeneration.main(new String[] {"--data=" + pairs, "--epochs=1",
        "--evaluate=3", "春风送暖"}));
    assertTrue(out.contains("couplets: training on 76, holding out 4, decoding 3 of them"), out);
    assertTrue(out.matches("(?s).*held-out \\(3 first halves, beam width 3, .*\\): character accuracy "
        + "\\d\\.\\d{4}, BLEU-4 \\d\\.\\d{4}\n.*"), out);
    assertTrue(out.contains("\n春风送暖 → "), out);
  }

  @Test
  void coupletT5TrainsOnSentencePiecesAndDecodesEachHalfAtItsLength() throws IOException {
    Path pairs = dir.resolve("couplets.tsv");
    Files.write(pairs, lines("couplets.tsv.gz", 80));
    String out = run(() -> CoupletT5.main(new String[] {"--data=" + pairs, "--epochs=1",
        "--evaluate=3", "春风送暖"}));
    assertTrue(out.contains("couplets (T5): training on 76, holding out 4, decoding 3 of them; 4036 "
        + "SentencePiece pieces"), out);
    assertTrue(out.matches("(?s).*held-out \\(3 first halves, beam width 3, .*\\): character accuracy "
        + "\\d\\.\\d{4}, BLEU-4 \\d\\.\\d{4}\n.*"), out);
    assertTrue(out.matches("(?s).*\n春风送暖 → \\S{4}\n.*"), out);
  }

  @Test
  void poemGenerationTrainsAndReportsPerplexityAndTheForm() throws IOException {
    Path poems = dir.resolve("poems.tsv");
    Files.write(poems, lines("tang_quatrains.tsv.gz", 60));
    String out = run(() -> PoemGeneration.main(new String[] {"--data=" + poems, "--epochs=1",
        "--samples=4", "白日依山盡，"}));
    assertTrue(out.contains("quatrains: training on 54, holding out 6"), out);
    assertTrue(out.matches("(?s).*held-out perplexity per character: \\d+\\.\\d{2} \\(6 poems\\).*"), out);
    assertTrue(out.matches("(?s).*sampled 4 poems \\(top-k 40, top-p 0.9, seed 17, .*\\) from "
        + "\"白日依山盡，\": [0-4] keep the 5- or 7-character line form.*"), out);
  }

  @Test
  void relationExtractionTrainsAndReportsTripleF1() throws IOException {
    Path train = dir.resolve("train.jsonl");
    Path dev = dir.resolve("dev.jsonl");
    Path schemas = dir.resolve("schemas.jsonl");
    Files.write(train, lines("duie2_train.jsonl.gz", 48));
    Files.write(dev, lines("duie2_dev.jsonl.gz", 16));
    Files.write(schemas, lines("duie2_schemas.jsonl", 100));
    String out = run(() -> RelationExtraction.main(new String[] {train.toString(), dev.toString(),
        schemas.toString(), "1"}));
    assertTrue(out.contains("DuIE: training on 48 sentences, 47 predicates; 16 dev sentences"),
        out);
    assertTrue(out.matches("(?s).*dev triple F1 \\d\\.\\d{4} \\(precision .*"), out);
  }

  /** The first {@code count} lines of a shipped resource. */
  private static List<String> lines(String resource, int count) throws IOException {
    List<String> lines = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(Resources.open(resource),
        StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null && lines.size() < count;
          line = reader.readLine()) {
        lines.add(line);
      }
    }
    return lines;
  }

  private interface Main {
    void run() throws IOException;
  }

  /** What {@code main} prints on standard output. */
  private static String run(Main main) throws IOException {
    PrintStream original = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      main.run();
    } finally {
      System.setOut(original);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static List<String> sentences(String resource, int count) throws IOException {
    List<String> sentences = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(Resources.open(resource),
        StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null && sentences.size() < count;
          line = reader.readLine()) {
        if (line.isBlank()) {
          sentences.add(current.toString().strip());
          current.setLength(0);
        } else {
          current.append(line).append('\n');
        }
      }
    }
    return sentences;
  }
}
