package bert4j.runtime.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The Chinese BERT vocabulary shipped in the test resources, and tokenizers over it. */
final class ChineseVocab {
  static final String RESOURCE = "/vocab/chinese_bert_vocab.txt";
  private static final Vocabulary VOCABULARY = load();
  static final Tokenizer LOWERCASE = Tokenizer.builder(VOCABULARY).build();
  static final Tokenizer CASED = Tokenizer.builder(VOCABULARY).lowercase(false).build();

  private ChineseVocab() {}

  static Vocabulary vocabulary() {
    return VOCABULARY;
  }

  private static Vocabulary load() {
    try (InputStream in = ChineseVocab.class.getResourceAsStream(RESOURCE)) {
      return Vocabulary.read(in, RESOURCE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
