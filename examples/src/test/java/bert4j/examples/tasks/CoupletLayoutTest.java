package bert4j.examples.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.data.Sample;
import bert4j.runtime.generate.IncrementalLm;
import bert4j.runtime.text.Tokenizer;
import bert4j.runtime.text.Vocabulary;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The couplet example's layout (first half in a fixed slot) and its exact-length decoding. */
class CoupletLayoutTest {
  // [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [FILL] 4, 春 5, 风 6, 月 7, 花 8
  private final Tokenizer tokenizer = Tokenizer.builder(
      CharVocabulary.of(List.of("春春春春风风风月月花"), 9, CoupletLayout.FILLER)).build();
  private final CoupletLayout layout = new CoupletLayout(tokenizer, 4);

  @Test
  void theReservedTokenFollowsTheSpecialOnes() {
    Vocabulary v = CharVocabulary.of(List.of("春风春"), 7, CoupletLayout.FILLER);
    assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[FILL]", "春", "风"), v.tokens());
    assertThrows(IllegalArgumentException.class,
        () -> CharVocabulary.of(List.of("春"), 5, CoupletLayout.FILLER));
  }

  @Test
  void theFirstHalfFillsAFixedSlotSoCounterpartsSitAFixedDistanceApart() {
    assertArrayEquals(new int[] {2, 5, 6, 4, 4, 3}, layout.prompt("春风"));
    Sample two = layout.sample("春风", "月花");
    assertArrayEquals(new int[] {2, 5, 6, 4, 4, 3, 7, 8, 3}, two.tokenIds());
    assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 1, 1, 1}, two.segmentIds());
    Sample four = layout.sample("春风月花", "花月风春");
    assertArrayEquals(new int[] {2, 5, 6, 7, 8, 3, 8, 7, 6, 5, 3}, four.tokenIds());
    assertEquals(layout.maxLength(), four.length());
  }

  @Test
  void aHalfOverTheSlotOrAVocabularyWithoutTheFillerIsRefused() {
    IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
        () -> layout.prompt("春风月花春"));
    assertTrue(tooLong.getMessage().contains("has 5 tokens, more than the 4"), tooLong.getMessage());
    Tokenizer plain = Tokenizer.builder(CharVocabulary.of(List.of("春"), 6)).build();
    IllegalArgumentException noFiller = assertThrows(IllegalArgumentException.class,
        () -> new CoupletLayout(plain, 4));
    assertTrue(noFiller.getMessage().contains("no [FILL] token"), noFiller.getMessage());
  }

  @Test
  void eachSecondHalfIsExactlyAsLongAsItsFirstHalf() {
    // a model that always prefers ending ([SEP]) and otherwise 月: the limits forbid the end token
    // before n tokens and stop after n, so each output is n times 月
    IncrementalLm endsAtOnce = new IncrementalLm() {
      private int batch;

      @Override
      public int vocab() {
        return 9;
      }

      @Override
      public int maxBatch() {
        return 8;
      }

      @Override
      public int maxLength() {
        return layout.maxLength();
      }

      @Override
      public FloatTensor start(int[][] prompts, int[][] segments) {
        batch = prompts.length;
        return logits();
      }

      @Override
      public FloatTensor step(int[] tokens) {
        batch = tokens.length;
        return logits();
      }

      @Override
      public void reorder(int[] parents) {
        batch = parents.length;
      }

      private FloatTensor logits() {
        float[] data = new float[batch * 9];
        for (int b = 0; b < batch; b++) {
          data[b * 9 + 3] = 5;
          data[b * 9 + 7] = 3;
        }
        return new FloatTensor(new int[] {batch, 9}, data);
      }
    };
    assertEquals(List.of("月月", "月月月月", "月", "月月"), CoupletGeneration.secondHalves(endsAtOnce,
        tokenizer, layout, List.of("春风", "春风月花", "花", "风月")));
  }
}
