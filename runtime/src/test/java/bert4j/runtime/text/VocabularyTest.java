package bert4j.runtime.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading vocab.txt files, and what is wrong with the ones that cannot serve. */
class VocabularyTest {
  @TempDir
  Path dir;

  private Path write(String name, byte[] bytes) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, bytes);
    return file;
  }

  private Path write(String name, String text) throws IOException {
    return write(name, text.getBytes(StandardCharsets.UTF_8));
  }

  private VocabularyException failure(Path file) {
    VocabularyException e = assertThrows(VocabularyException.class, () -> Vocabulary.load(file));
    assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
    return e;
  }

  @Test
  void readsTheChineseVocabulary() {
    Vocabulary v = ChineseVocab.vocabulary();
    assertEquals(21128, v.size());
    assertEquals("[PAD]", v.token(0));
    assertEquals(100, v.id("[UNK]"));
    assertEquals("\u2028", v.token(343)); // line 344: a U+2028 line separator is a token
    assertEquals("##\u2028", v.token(13502));
    assertEquals(-1, v.id("2023"));
    assertFalse(v.contains("“"));
  }

  @Test
  void readsCrLfLinesAndSkipsAByteOrderMark() throws IOException {
    Path file = write("vocab.txt", "\uFEFF[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nhello\r\n");
    Vocabulary v = Vocabulary.load(file);
    assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello"), v.tokens());
    assertEquals(file.toString(), v.source());
  }

  @Test
  void aLastLineWithoutNewlineCounts() throws IOException {
    Vocabulary v = Vocabulary.load(write("vocab.txt", "[UNK]\n[CLS]\n[SEP]"));
    assertEquals(3, v.size());
    assertEquals(2, v.id("[SEP]"));
  }

  @Test
  void missingFile() {
    assertTrue(failure(dir.resolve("nope.txt")).getMessage().contains("file not found"));
  }

  @Test
  void directory() {
    assertTrue(failure(dir).getMessage().contains("is a directory"));
  }

  @Test
  void emptyFile() throws IOException {
    assertTrue(failure(write("empty.txt", "")).getMessage().contains("file is empty"));
    assertTrue(failure(write("bom.txt", "\uFEFF")).getMessage().contains("file is empty"));
  }

  @Test
  void notUtf8() throws IOException {
    byte[] latin1 = "[UNK]\ncaf\u00e9\n[CLS]\n[SEP]\n".getBytes(StandardCharsets.ISO_8859_1);
    VocabularyException e = failure(write("latin1.txt", latin1));
    assertTrue(e.getMessage().contains("line 2 is not valid UTF-8"), e.getMessage());
  }

  @Test
  void lacksARequiredToken() throws IOException {
    for (String missing : List.of("[CLS]", "[SEP]", "[UNK]")) {
      String text = String.join("\n", List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "a")
          .stream().filter(t -> !t.equals(missing)).toList());
      VocabularyException e = failure(write("vocab.txt", text));
      assertTrue(e.getMessage().contains("lacks the token " + missing), e.getMessage());
    }
  }

  @Test
  void emptyLine() throws IOException {
    VocabularyException e = failure(write("vocab.txt", "[UNK]\n[CLS]\n\n[SEP]\n"));
    assertTrue(e.getMessage().contains("line 3 is empty"), e.getMessage());
  }

  @Test
  void duplicateLine() throws IOException {
    VocabularyException e = failure(write("vocab.txt", "[UNK]\na\n[CLS]\na\n[SEP]\n"));
    assertTrue(e.getMessage().contains("line 4 repeats the token 'a' of line 2"), e.getMessage());
  }

  @Test
  void streamsNameTheirSource() {
    VocabularyException e = assertThrows(VocabularyException.class, () -> Vocabulary.read(
        new ByteArrayInputStream("[UNK]\n[SEP]\n".getBytes(StandardCharsets.UTF_8)), "res:/v.txt"));
    assertEquals("vocabulary res:/v.txt: lacks the token [CLS] (a BERT vocabulary needs [UNK], [CLS]"
        + " and [SEP])", e.getMessage());
    VocabularyException missing = assertThrows(VocabularyException.class,
        () -> Vocabulary.read(null, "/vocab/missing.txt"));
    assertTrue(missing.getMessage().contains("/vocab/missing.txt"));
  }

  @Test
  void tokenizerFromVocabFileFailsTheSameWay() throws IOException {
    Path file = write("vocab.txt", "[UNK]\n[CLS]\n");
    VocabularyException e = assertThrows(VocabularyException.class, () -> Tokenizer.fromVocab(file));
    assertTrue(e.getMessage().contains(file + ": lacks the token [SEP]"), e.getMessage());
  }

  @Test
  void tokenizerFromVocabFile() throws IOException {
    Path file = write("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n##s\n");
    Tokenizer tokenizer = Tokenizer.fromVocab(file);
    assertEquals(List.of("[CLS]", "hello", "##s", "[UNK]", "[SEP]"), tokenizer.tokenize("Hellos world"));
  }

  @Test
  void listVocabularies() {
    assertEquals(3, Vocabulary.of(List.of("[UNK]", "[CLS]", "[SEP]")).size());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Vocabulary.of(List.of("[UNK]", "[CLS]", "[SEP]", "[CLS]")));
    assertTrue(e.getMessage().contains("line 4 repeats the token '[CLS]' of line 2"));
    assertThrows(IllegalArgumentException.class, () -> Vocabulary.of(List.of()));
    assertThrows(IllegalArgumentException.class, () -> ChineseVocab.vocabulary().token(21128));
  }
}
