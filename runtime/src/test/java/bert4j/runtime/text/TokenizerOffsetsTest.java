package bert4j.runtime.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Token spans ({@code rematch}) reproduce the original substrings, special tokens map to nothing. */
class TokenizerOffsetsTest {
  private static final Tokenizer TOKENIZER = ChineseVocab.LOWERCASE;
  private static final TokenSpan NONE = TokenSpan.NONE;

  private static TokenSpan s(int start, int end) {
    return new TokenSpan(start, end);
  }

  /** The original text of each non-special token. */
  private static List<String> sources(String text) {
    List<String> sources = new ArrayList<>();
    for (TokenSpan span : TOKENIZER.encode(text).spans()) {
      if (!span.isNone()) {
        sources.add(span.of(text));
      }
    }
    return sources;
  }

  @Test
  void spansOfWordsAndPunctuation() {
    assertEquals(List.of(NONE, s(0, 5), s(5, 6), s(7, 12), NONE),
        TOKENIZER.encode("Hello, World").spans());
    assertEquals(List.of("Hello", ",", "World"), sources("Hello, World"));
  }

  @Test
  void spansReproduceOriginalSubstrings() {
    assertEquals(List.of("Hello", ",", "世", "界", "!", "Café"), sources("Hello, 世界! Café"));
    assertEquals(List.of("我", "用", "iPhone", "12", "拍", "照"), sources("我用iPhone 12拍照"));
    assertEquals(List.of("Ｈ", "ｅ", "ｌ", "ｌ", "ｏ"), sources("Ｈｅｌｌｏ"));
    assertEquals(List.of("202", "3", "年"), sources("2023年"));
  }

  @Test
  void accentedPiecesCoverTheirAccents() {
    assertEquals(List.of(NONE, s(0, 4), s(5, 7), s(7, 10), NONE),
        TOKENIZER.encode("Café naïve").spans());
    assertEquals(List.of("Café", "na", "ïve"), sources("Café naïve"));
    // A combining mark that accent stripping removes belongs to no token.
    assertEquals(List.of(NONE, s(0, 4), s(5, 6), NONE), TOKENIZER.encode("cafe\u0301!").spans());
  }

  @Test
  void aCharacterWhoseLowercaseIsLongerKeepsItsOffsets() {
    // U+0130 lowercases to "i" + U+0307; bert4keras's rematch shifts every later offset by one here.
    assertEquals(List.of("\u0130s", "tan", "bu", "l"), sources("\u0130stanbul"));
  }

  @Test
  void oneCharacterCanYieldSeveralTokens() {
    // 한 → ᄒ ᅡ ᆫ, 국 → ᄀ ᅮ ᆨ: three tokens each, all pointing at their syllable.
    assertEquals(List.of(NONE, s(0, 1), s(0, 1), s(0, 1), s(1, 2), s(1, 2), s(1, 2), NONE),
        TOKENIZER.encode("한국").spans());
  }

  @Test
  void surrogatePairsAndUnknownWords() {
    String thumbs = "\uD83D\uDC4D\uD83D\uDC4D";
    assertEquals(List.of(NONE, s(0, 2), s(2, 4), NONE), TOKENIZER.encode(thumbs).spans());
    String family = "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67";
    assertEquals(List.of(NONE, s(0, 8), NONE), TOKENIZER.encode(family).spans());
    assertEquals(List.of(NONE, s(0, 3), NONE), TOKENIZER.encode("a\u0000b").spans());
  }

  @Test
  void pairSpansPointIntoTheirOwnText() {
    Encoding e = TOKENIZER.encode("Hello", "世界");
    assertEquals(List.of(NONE, s(0, 5), NONE, s(0, 1), s(1, 2), NONE), e.spans());
  }

  @Test
  void truncatedEncodingsKeepTheSpansOfWhatStays() {
    Encoding left = TOKENIZER.encode("今天天气不错", 5, Truncation.LEFT);
    assertEquals(List.of(NONE, s(3, 4), s(4, 5), s(5, 6), NONE), left.spans());
    Encoding right = TOKENIZER.encode("今天天气不错", 5);
    assertEquals(List.of(NONE, s(0, 1), s(1, 2), s(2, 3), NONE), right.spans());
  }

  @Test
  void rematchOfTokenizeMatchesTheEncodingSpans() {
    for (String text : List.of("Hello, 世界! Café", "我用iPhone 12拍照", "\u0130stanbul 한국",
        "a 😀 b", "今天天气不错")) {
      assertEquals(TOKENIZER.encode(text).spans(), TOKENIZER.rematch(text, TOKENIZER.tokenize(text)),
          text);
    }
    String text = "今天天气不错";
    assertEquals(List.of(NONE, s(0, 1), s(1, 2), NONE),
        TOKENIZER.rematch(text, TOKENIZER.tokenize(text, 4)));
  }

  @Test
  void rematchAcceptsBert4kerasStyleUnknownWords() {
    // bert4keras's tokenize spells an unknown word out; it still finds that word's [UNK].
    String text = "a \uD83D\uDE00 b";
    assertEquals(List.of(NONE, s(0, 1), s(2, 4), s(5, 6), NONE),
        TOKENIZER.rematch(text, List.of("[CLS]", "a", "\uD83D\uDE00", "b", "[SEP]")));
  }

  @Test
  void rematchOfATokenNotInTheTextIsAnError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TOKENIZER.rematch("你好", List.of("[CLS]", "好", "你", "[SEP]")));
    assertTrue(e.getMessage().contains("token 2 '你'"), e.getMessage());
  }

  @Test
  void tokenSpanRejectsNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new TokenSpan(3, 2));
    assertThrows(IllegalArgumentException.class, () -> new TokenSpan(-2, 1));
    assertEquals("", NONE.of("text"));
  }
}
