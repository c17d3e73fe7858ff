package bert4j.runtime.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.kernels.Kernels;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Spans above the threshold from hand-built score grids: order, threshold, masked cells, checks. */
class SpanDecoderTest {
  /** [2 sequences, 2 types, 3, 3], every score −5 but those set. */
  private static FloatTensor grid() {
    float[] data = new float[2 * 2 * 3 * 3];
    Arrays.fill(data, -5f);
    return new FloatTensor(new int[] {2, 2, 3, 3}, data);
  }

  private static void set(FloatTensor scores, int b, int t, int i, int j, float value) {
    scores.data()[((b * 2 + t) * 3 + i) * 3 + j] = value;
  }

  @Test
  void spansAboveZeroOfOneSequenceByTypeStartEnd() {
    FloatTensor scores = grid();
    set(scores, 0, 1, 0, 2, 3f);
    set(scores, 0, 0, 1, 1, 0.5f);
    set(scores, 0, 0, 0, 1, 2f);
    set(scores, 0, 0, 2, 2, 0f);
    set(scores, 1, 0, 0, 0, 9f);
    set(scores, 0, 1, 1, 0, Kernels.MASKED_SPAN);
    assertEquals(List.of(new ScoredSpan(0, 0, 1, 2f), new ScoredSpan(0, 1, 1, 0.5f),
        new ScoredSpan(1, 0, 2, 3f)), SpanDecoder.decode(scores, 0));
    assertEquals(List.of(new ScoredSpan(0, 0, 0, 9f)), SpanDecoder.decode(scores, 1));
  }

  @Test
  void aThresholdKeepsOnlyWhatIsAboveIt() {
    FloatTensor scores = grid();
    set(scores, 0, 0, 0, 1, 2f);
    set(scores, 0, 0, 1, 2, 1f);
    set(scores, 0, 1, 0, 0, -1f);
    assertEquals(List.of(new ScoredSpan(0, 0, 1, 2f)), SpanDecoder.decode(scores, 0, 1.0));
    assertEquals(3, SpanDecoder.decode(scores, 0, -2.0).size());
  }

  @Test
  void badShapesAndSequencesAreRejected() {
    FloatTensor flat = new FloatTensor(new int[] {2, 3, 3}, new float[18]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SpanDecoder.decode(flat, 0));
    assertTrue(e.getMessage().contains("[batch, types, seq, seq], got [2, 3, 3]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SpanDecoder.decode(grid(), 2));
    assertTrue(e.getMessage().contains("sequence 2 is outside the batch of 2"), e.getMessage());
  }
}
