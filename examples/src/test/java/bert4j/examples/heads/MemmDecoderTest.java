package bert4j.examples.heads;

import static bert4j.examples.heads.ViterbiDecoderTest.doubles;
import static bert4j.examples.heads.ViterbiDecoderTest.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.decode.MemmDecoder;
import bert4j.runtime.decode.TagConstraints;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The MEMM's decoding: Viterbi against trying every path (Σ log p), with and without IOB2's rules;
 * greedy decoding keeps the rules, equals Viterbi when no step depends on the one before, and falls
 * for the label bias Viterbi avoids.
 */
class MemmDecoderTest {
  private static int[] best(float[][] e, float[][] trans, int length, TagConstraints rules) {
    double[][] de = doubles(Arrays.copyOf(e, length));
    double[][] dt = doubles(trans);
    return TagPaths.best(length, rules, y -> TagPaths.memmLogProbability(de, dt, y));
  }

  @Test
  void viterbiIsTheMostProbableOfEveryPath() {
    Random random = new Random(5);
    TagConstraints iob2 = TagConstraints.iob2(TagConstraintsTest.LABELS);
    for (int trial = 0; trial < 40; trial++) {
      int length = 1 + random.nextInt(6);
      float[][] e = random(random, length + 1, 5, 2);
      float[][] trans = random(random, 5, 5, 3);
      assertArrayEquals(best(e, trans, length, TagConstraints.none(5)),
          new MemmDecoder(trans).viterbi(e, length), "trial " + trial);
      int[] kept = new MemmDecoder(trans, iob2).viterbi(e, length);
      assertTrue(iob2.admits(kept));
      assertArrayEquals(best(e, trans, length, iob2), kept, "trial " + trial + " under IOB2");
    }
  }

  @Test
  void greedyKeepsTheRulesAndIsViterbiWithoutTransitions() {
    Random random = new Random(6);
    TagConstraints iob2 = TagConstraints.iob2(TagConstraintsTest.LABELS).withEnds(0);
    for (int trial = 0; trial < 20; trial++) {
      float[][] e = random(random, 6, 5, 2);
      assertTrue(iob2.admits(new MemmDecoder(random(random, 5, 5, 3), iob2).greedy(e, 6)));
      float[][] zero = new float[5][5];
      assertArrayEquals(new MemmDecoder(zero).viterbi(e, 6), new MemmDecoder(zero).greedy(e, 6));
    }
  }

  /**
   * Tag 0 is a little likelier first, but after it the next tag is a coin flip, while after tag 1
   * it is certain: greedy takes 0, 0 (log p ≈ −1.34), Viterbi 1, 0 (≈ −0.74).
   */
  @Test
  void viterbiAvoidsTheGreedyLabelBias() {
    float[][] e = {{1f, 0.9f}, {0f, 0f}};
    float[][] trans = {{0f, 0f}, {5f, -5f}};
    MemmDecoder decoder = new MemmDecoder(trans);
    assertArrayEquals(new int[] {0, 0}, decoder.greedy(e, 2));
    assertArrayEquals(new int[] {1, 0}, decoder.viterbi(e, 2));
    float[] flat = {1f, 0.9f, 0f, 0f};
    FloatTensor emissions = new FloatTensor(new int[] {1, 2, 2}, flat);
    MemmDecoder fromTensor = new MemmDecoder(new FloatTensor(new int[] {2, 2},
        new float[] {0f, 0f, 5f, -5f}), TagConstraints.none(2));
    assertArrayEquals(new int[] {0, 0}, fromTensor.greedy(emissions, 0, 2));
    assertArrayEquals(new int[] {1, 0}, fromTensor.viterbi(emissions, 0, 2));
  }
}
