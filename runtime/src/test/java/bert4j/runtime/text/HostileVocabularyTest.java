package bert4j.runtime.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tokens longer than any word that can be matched cost no trie memory, keep their ids, and never come
 * out of tokenization; tokens exactly as long as the longest word (in code points, not UTF-16 chars)
 * still do.
 */
class HostileVocabularyTest {
  private static final String GOTHIC_A = "\uD800\uDF30"; // U+10330, a letter outside the BMP

  @TempDir
  Path dir;

  @Test
  void aTenMegabyteLineLoadsInA256MegabyteHeap() throws IOException, InterruptedException {
    Path vocab = dir.resolve("vocab.txt");
    String head = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nab\n##c\n";
    byte[] line = new byte[10_000_000];
    Arrays.fill(line, (byte) 'a');
    Files.write(vocab, head.getBytes(StandardCharsets.US_ASCII));
    Files.write(vocab, line, StandardOpenOption.APPEND);
    Files.write(vocab, "\nzz\n".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);

    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp",
        System.getProperty("java.class.path"), LoadVocabulary.class.getName(), vocab.toString())
        .redirectErrorStream(true)
        .start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child JVM finishes");
    assertEquals(0, child.exitValue(), output);
    assertEquals("[[CLS], ab, ##c, zz, [SEP]] 8 7", output.strip());
  }

  @Test
  void aTokenLongerThanAnyWordIsNeverProducedAndKeepsItsId() {
    String tooLong = "abcde";
    String tooLongPiece = "##bcdef";
    Vocabulary vocabulary = Vocabulary.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", tooLong,
        "##bcde", tooLongPiece, GOTHIC_A.repeat(4), "##" + GOTHIC_A.repeat(3)));
    Tokenizer tokenizer = Tokenizer.builder(vocabulary).lowercase(false).maxWordLength(4).build();

    assertEquals(List.of("[CLS]", "[UNK]", "[SEP]"), tokenizer.tokenize(tooLong));
    assertEquals(List.of("[CLS]", "[UNK]", "[SEP]"), tokenizer.tokenize("abcdef"));
    assertEquals(5, vocabulary.id(tooLong));
    assertEquals(5, tokenizer.tokenToId(tooLong));
    assertEquals(7, tokenizer.tokenToId(tooLongPiece));
    assertEquals(tooLong, tokenizer.idToToken(5));
    for (int id = 0; id < vocabulary.size(); id++) {
      assertEquals(id, tokenizer.tokenToId(vocabulary.token(id)), vocabulary.token(id));
    }
  }

  @Test
  void tokensAsLongAsTheLongestWordInCodePointsStillMatch() {
    Vocabulary vocabulary = Vocabulary.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "a",
        GOTHIC_A.repeat(4), "##" + GOTHIC_A.repeat(3)));
    Tokenizer tokenizer = Tokenizer.builder(vocabulary).lowercase(false).maxWordLength(4).build();

    assertEquals(List.of("[CLS]", GOTHIC_A.repeat(4), "[SEP]"), tokenizer.tokenize(GOTHIC_A.repeat(4)));
    assertEquals(List.of("[CLS]", "a", "##" + GOTHIC_A.repeat(3), "[SEP]"),
        tokenizer.tokenize("a" + GOTHIC_A.repeat(3)));
  }

  /** The child JVM: loads a vocabulary, tokenizes a little, prints the tokens, size and id of zz. */
  static final class LoadVocabulary {
    public static void main(String[] args) throws VocabularyException {
      Tokenizer tokenizer = Tokenizer.fromVocab(Path.of(args[0]));
      System.out.println(tokenizer.tokenize("abc zz") + " " + tokenizer.vocabSize() + " "
          + tokenizer.tokenToId("zz"));
    }
  }
}
