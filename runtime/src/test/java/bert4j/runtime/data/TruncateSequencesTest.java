package bert4j.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TruncateSequencesTest {
  private static List<String> list(String... items) {
    return new ArrayList<>(List.of(items));
  }

  @Test
  void popsBeforeSepFromTheLongerSequence() {
    List<String> first = list("[CLS]", "a", "b", "c", "[SEP]");
    List<String> second = list("[CLS]", "x", "[SEP]");
    TruncateSequences.truncate(6, -2, first, second);
    assertEquals(List.of("[CLS]", "a", "[SEP]"), first);
    assertEquals(List.of("[CLS]", "x", "[SEP]"), second);
  }

  @Test
  void popsAfterClsWithIndexOne() {
    List<String> first = list("[CLS]", "a", "b", "c", "[SEP]");
    TruncateSequences.truncate(3, 1, first);
    assertEquals(List.of("[CLS]", "c", "[SEP]"), first);
  }

  @Test
  void tiesShortenTheFirstLongest() {
    List<Integer> a = new ArrayList<>(List.of(1, 2));
    List<Integer> b = new ArrayList<>(List.of(3, 4));
    TruncateSequences.truncate(3, -1, a, b);
    assertEquals(List.of(1), a);
    assertEquals(List.of(3, 4), b);
    // 3+3+3 within 5: first, second, third, then first again.
    assertArrayEquals(new int[] {1, 2, 2}, TruncateSequences.truncatedLengths(5, 3, 3, 3));
  }

  @Test
  void indicesPerSequence() {
    List<String> a = list("a", "b", "c");
    List<String> b = list("x", "y", "z");
    TruncateSequences.truncate(4, new int[] {0, -1}, a, b);
    assertEquals(List.of("b", "c"), a);
    assertEquals(List.of("x", "y"), b);
  }

  @Test
  void shortEnoughSequencesStayAsTheyAre() {
    List<String> a = list("a", "b");
    TruncateSequences.truncate(5, -1, a);
    assertEquals(List.of("a", "b"), a);
    assertArrayEquals(new int[] {2, 0}, TruncateSequences.truncatedLengths(5, 2, 0));
  }

  @Test
  void impossibleTruncation() {
    List<String> a = list("[SEP]");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TruncateSequences.truncate(0, -2, a));
    assertTrue(e.getMessage().contains("maxLen 0 too small"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TruncateSequences.truncatedLengths(-1, 3));
    assertThrows(IllegalArgumentException.class, () -> TruncateSequences.truncatedLengths(3, -1));
    assertThrows(IllegalArgumentException.class,
        () -> TruncateSequences.truncate(3, new int[] {1}, list("a"), list("b")));
  }
}
