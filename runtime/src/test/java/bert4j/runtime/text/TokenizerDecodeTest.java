package bert4j.runtime.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** {@code decode} follows bert4keras's rules for joining tokens into text. */
class TokenizerDecodeTest {
  private static final Tokenizer TOKENIZER = ChineseVocab.LOWERCASE;

  private static String roundTrip(String text) {
    return TOKENIZER.decode(TOKENIZER.encode(text).tokenIds());
  }

  @Test
  void chineseJoinsWithoutSpaces() {
    assertEquals("今天天气不错", roundTrip("今天天气不错"));
    assertEquals("你好，世界！", roundTrip("你好，世界！"));
  }

  @Test
  void englishJoinsWithSpacesAndPieces() {
    assertEquals("hello world", roundTrip("Hello World"));
    assertEquals("hellohello", roundTrip("hellohello"));
    assertEquals("hello, world!", roundTrip("Hello, world!"));
  }

  @Test
  void mixedText() {
    assertEquals("我用iphone 12拍照", roundTrip("我用iPhone 12拍照"));
  }

  @Test
  void tidiesContractionsDecimalsAndOpeningBrackets() {
    assertEquals("don't go", roundTrip("don't go"));
    assertEquals("3.14", roundTrip("3.14"));
    assertEquals("(你好)", roundTrip("(你好)"));
  }

  @Test
  void leavesOutSpecialAndUnknownTokens() {
    assertEquals("你好", roundTrip("\uD83D\uDE00你好"));
    assertEquals("", TOKENIZER.decode(new int[] {101, 102, 0, 0}));
    assertEquals("", TOKENIZER.decode(new int[0]));
  }

  @Test
  void anIdOutsideTheVocabularyIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> TOKENIZER.decode(new int[] {21128}));
    assertThrows(IllegalArgumentException.class, () -> TOKENIZER.decode(new int[] {-1}));
  }
}
