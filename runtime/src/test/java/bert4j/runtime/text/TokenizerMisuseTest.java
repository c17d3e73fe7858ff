package bert4j.runtime.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Misuse of the public text API (null arguments, a span applied to another, shorter text) is an
 * {@link IllegalArgumentException} that says what is wrong, never a bare NullPointerException or
 * StringIndexOutOfBoundsException, and never a silent [UNK] or default.
 */
class TokenizerMisuseTest {
  private static final Tokenizer TOKENIZER = Tokenizer.builder(
      Vocabulary.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world"))).build();

  private static void rejects(Executable call, String... words) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    for (String word : words) {
      assertTrue(e.getMessage().contains(word), "'" + word + "' in: " + e.getMessage());
    }
  }

  @Test
  void rematchRejectsANullTokenOrText() {
    rejects(() -> TOKENIZER.rematch("hello world", Arrays.asList("[CLS]", "hello", null)),
        "token 2", "null");
    rejects(() -> TOKENIZER.rematch(null, List.of("hello")), "text", "null");
    rejects(() -> TOKENIZER.rematch("hello", null), "tokens", "null");
  }

  @Test
  void aSpanOfAShorterTextIsNamed() {
    TokenSpan span = new TokenSpan(6, 11);
    assertEquals("world", span.of("hello world"));
    rejects(() -> span.of("hello"), "[6, 11)", "5 characters");
    rejects(() -> new TokenSpan(0, 6).of("hello"), "[0, 6)");
    rejects(() -> span.of(null), "null");
    rejects(() -> TokenSpan.NONE.of(null), "null");
  }

  @Test
  void aNullTokenIsNotSilentlyUnknown() {
    rejects(() -> TOKENIZER.tokenToId(null), "token", "null");
    rejects(() -> TOKENIZER.tokensToIds(Arrays.asList("hello", null)), "token 1", "null");
  }

  @Test
  void aNullTruncationIsNotSilentlyRight() {
    rejects(() -> TOKENIZER.encode("hello world", 3, null), "truncation");
    rejects(() -> TOKENIZER.encode("hello", "world", 4, null), "truncation");
  }

  @Test
  void aNullVocabularyFileIsNamed() {
    rejects(() -> Vocabulary.load(null), "vocabulary file", "null");
    rejects(() -> Tokenizer.fromVocab((Path) null), "vocabulary file", "null");
  }

  @Test
  void nullTextsAreNamed() {
    rejects(() -> TOKENIZER.encode(null), "text", "null");
    rejects(() -> TOKENIZER.encode("hello", (String) null), "text", "null");
    rejects(() -> TOKENIZER.tokenize(null), "text", "null");
  }
}
