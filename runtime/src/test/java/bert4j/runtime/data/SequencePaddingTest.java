package bert4j.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import bert4j.runtime.data.SequencePadding.Mode;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequencePaddingTest {
  private static final List<int[]> SEQUENCES = List.of(new int[] {1, 2, 3}, new int[] {4}, new int[0]);

  @Test
  void padsToTheLongestAfterTheValues() {
    assertArrayEquals(new int[][] {{1, 2, 3}, {4, 0, 0}, {0, 0, 0}}, SequencePadding.pad(SEQUENCES));
  }

  @Test
  void padsBeforeTheValues() {
    assertArrayEquals(new int[][] {{1, 2, 3}, {0, 0, 4}, {0, 0, 0}},
        SequencePadding.padToLongest(SEQUENCES, 0, Mode.PRE));
  }

  @Test
  void padsWithAnyValueToAFixedLength() {
    assertArrayEquals(new int[][] {{1, 2, 3, -1}, {4, -1, -1, -1}, {-1, -1, -1, -1}},
        SequencePadding.pad(SEQUENCES, 4, -1, Mode.POST));
  }

  @Test
  void aShorterLengthKeepsTheFirstValuesInBothModes() {
    // As bert4keras: x[:length] before padding, whatever the mode.
    assertArrayEquals(new int[][] {{1, 2}, {4, 0}, {0, 0}}, SequencePadding.pad(SEQUENCES, 2));
    assertArrayEquals(new int[][] {{1, 2}, {0, 4}, {0, 0}},
        SequencePadding.pad(SEQUENCES, 2, 0, Mode.PRE));
  }

  @Test
  void noSequences() {
    assertArrayEquals(new int[0][], SequencePadding.pad(List.of()));
  }

  @Test
  void badArguments() {
    assertThrows(IllegalArgumentException.class, () -> SequencePadding.pad(SEQUENCES, -1));
    assertThrows(IllegalArgumentException.class, () -> SequencePadding.pad(SEQUENCES, 2, 0, null));
    assertThrows(IllegalArgumentException.class,
        () -> SequencePadding.pad(Arrays.asList(new int[] {1}, null)));
  }
}
