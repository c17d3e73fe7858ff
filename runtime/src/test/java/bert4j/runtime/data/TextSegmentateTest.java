package bert4j.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Expected pieces worked out by stepping through bert4keras's text_segmentate by hand. */
class TextSegmentateTest {
  @Test
  void cutsAtTheFirstSeparatorThenTheNext() {
    assertEquals(List.of("aaa,bbb,", "ccc.", "ddd"),
        TextSegmentate.segment("aaa,bbb,ccc.ddd", 8, ".,"));
  }

  @Test
  void stripsTheGivenCharactersFromEachPiece() {
    assertEquals(List.of("aaa,bbb", "ccc", "ddd"),
        TextSegmentate.segment("aaa,bbb,ccc.ddd", 8, ".,", ".,"));
  }

  @Test
  void chineseSentences() {
    // The second piece has no separator left to cut at, so it stays longer than maxLen.
    assertEquals(List.of("你好。", "今天天气很好！"), TextSegmentate.segment("你好。今天天气很好！", 5, "。！"));
    assertEquals(List.of("你好", "今天", "天气很好"),
        TextSegmentate.segment("你好，今天，天气很好。", 5, "\n。，", "。，"));
  }

  @Test
  void shortTextsAreOnlyStripped() {
    assertEquals(List.of("hi"), TextSegmentate.segment(" \u00A0hi\n ", 10, "\n"));
    assertEquals(List.of(""), TextSegmentate.segment("   ", 10, "\n"));
    assertEquals(List.of("a long text"), TextSegmentate.segment("a long text", 3, ""));
  }

  @Test
  void lengthCountsCodePoints() {
    String emoji = "\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00";
    assertEquals(List.of(emoji), TextSegmentate.segment(emoji, 3, "\n"));
  }

  @Test
  void nullText() {
    assertThrows(IllegalArgumentException.class, () -> TextSegmentate.segment(null, 3, "\n"));
  }
}
