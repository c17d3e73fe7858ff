package bert4j.examples.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.decode.TagConstraints;
import bert4j.runtime.decode.ViterbiDecoder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The CRF's Viterbi decoding against trying every path: the best path, the best path that keeps
 * IOB2's rules (where the best path overall breaks them), starts and ends, a model's tensors.
 */
class ViterbiDecoderTest {
  static float[][] random(Random random, int rows, int columns, double range) {
    float[][] m = new float[rows][columns];
    for (float[] row : m) {
      for (int j = 0; j < columns; j++) {
        row[j] = (float) (range * (2 * random.nextDouble() - 1));
      }
    }
    return m;
  }

  static double[][] doubles(float[][] m) {
    return Arrays.stream(m).map(r -> {
      double[] d = new double[r.length];
      for (int j = 0; j < r.length; j++) {
        d[j] = r[j];
      }
      return d;
    }).toArray(double[][]::new);
  }

  /** The brute force's best over the first {@code length} rows. */
  private static int[] best(float[][] e, float[][] trans, int length, TagConstraints rules) {
    double[][] de = doubles(Arrays.copyOf(e, length));
    double[][] dt = doubles(trans);
    return TagPaths.best(length, rules, y -> TagPaths.crfScore(de, dt, y));
  }

  @Test
  void decodeIsTheBestOfEveryPath() {
    Random random = new Random(1);
    for (int trial = 0; trial < 40; trial++) {
      int n = 2 + trial % 4;
      int length = 1 + random.nextInt(6);
      float[][] e = random(random, length + 2, n, 2);
      float[][] trans = random(random, n, n, 2);
      assertArrayEquals(best(e, trans, length, TagConstraints.none(n)),
          new ViterbiDecoder(trans).decode(e, length), "trial " + trial);
    }
  }

  @Test
  void iob2PathsAreTheBestThatKeepTheRules() {
    Random random = new Random(2);
    TagConstraints rules = TagConstraints.iob2(TagConstraintsTest.LABELS);
    int broken = 0;
    for (int trial = 0; trial < 40; trial++) {
      int length = 1 + random.nextInt(6);
      float[][] e = random(random, length, 5, 2);
      float[][] trans = random(random, 5, 5, 2);
      trans[0][2] = 3;
      trans[3][2] = 3;
      int[] decoded = new ViterbiDecoder(trans, rules).decode(e, length);
      assertTrue(rules.admits(decoded), Arrays.toString(decoded));
      assertArrayEquals(best(e, trans, length, rules), decoded, "trial " + trial);
      broken += rules.admits(new ViterbiDecoder(trans).decode(e, length)) ? 0 : 1;
    }
    assertTrue(broken >= 5, "the best path overall breaks IOB2 in only " + broken + " trials");
  }

  /** bert4keras's NER decodes [CLS] … [SEP] with O forced at both ends. */
  @Test
  void startsAndEndsAreKept() {
    Random random = new Random(3);
    TagConstraints rules = TagConstraints.iob2(TagConstraintsTest.LABELS).withStarts(0)
        .withEnds(0);
    for (int trial = 0; trial < 20; trial++) {
      float[][] e = random(random, 5, 5, 3);
      float[][] trans = random(random, 5, 5, 1);
      int[] decoded = new ViterbiDecoder(trans, rules).decode(e, 5);
      assertEquals(0, decoded[0]);
      assertEquals(0, decoded[4]);
      assertArrayEquals(best(e, trans, 5, rules), decoded);
    }
  }

  /** {@code crf.transitions} and {@code crf_emissions} as a model returns them. */
  @Test
  void decodesFromAModelsTensors() {
    Random random = new Random(4);
    float[][] trans = random(random, 4, 4, 1);
    float[][] e = random(random, 2 * 5, 4, 1);
    float[] transitions = new float[16];
    float[] emissions = new float[40];
    for (int i = 0; i < 4; i++) {
      System.arraycopy(trans[i], 0, transitions, 4 * i, 4);
    }
    for (int r = 0; r < 10; r++) {
      System.arraycopy(e[r], 0, emissions, 4 * r, 4);
    }
    ViterbiDecoder decoder = new ViterbiDecoder(new FloatTensor(new int[] {4, 4}, transitions),
        TagConstraints.none(4));
    int[] decoded = decoder.decode(new FloatTensor(new int[] {2, 5, 4}, emissions), 1, 3);
    assertArrayEquals(new ViterbiDecoder(trans).decode(Arrays.copyOfRange(e, 5, 8), 3), decoded);
    assertArrayEquals(best(Arrays.copyOfRange(e, 5, 10), trans, 3, TagConstraints.none(4)),
        decoded);
  }

  @Test
  void lengthZeroIsEmptyAndNoAdmittedPathIsAnError() {
    float[][] trans = new float[3][3];
    assertEquals(0, new ViterbiDecoder(trans).decode(new float[0][], 0).length);
    TagConstraints impossible = TagConstraints.none(3).withStarts(1).forbid(1, 0).forbid(1, 1)
        .forbid(1, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ViterbiDecoder(trans, impossible).decode(new float[2][3], 2));
    assertTrue(e.getMessage().contains("no path of 2 tags keeps the constraints"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new ViterbiDecoder(trans).decode(new float[][] {{1, 2}}, 1));
    assertTrue(e.getMessage().contains("emissions row 0 has 2 values, not 3"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new ViterbiDecoder(new float[][] {{1, 2}, {3}}));
    assertTrue(e.getMessage().contains("transitions row 1 has 1 values"), e.getMessage());
  }
}
