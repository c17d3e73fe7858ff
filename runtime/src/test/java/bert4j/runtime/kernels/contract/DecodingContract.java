package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.KernelTesting.assertClose;
import static bert4j.runtime.kernels.contract.KernelTesting.doubles;
import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Mask;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Slice;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The kernels of incremental decoding, forward only, against naive double references: rotaryAt
 * (each row turned by its own position), cachedAttention (the new rows appended to the caches, their
 * queries against every cached position of their sequence under each mask, a query that sees no key
 * averaging the values, the rest of the caches left alone) and copy.
 */
public abstract class DecodingContract extends KernelsContract {
  private static final int BATCH = 3;
  private static final int SEQ = 3;
  private static final int CAPACITY = 40;
  private static final int HEADS = 4;
  private static final int KEY_SIZE = 16;
  private static final int HEAD_SIZE = 8;
  private static final float SCALE = 0.25f;
  private static final int QK = HEADS * KEY_SIZE;
  private static final int V = HEADS * HEAD_SIZE;

  /** Row r of x turned by positions[r]·θᵢ in every head, in double. */
  private static double[] rotaryAt(double[] x, int[] positions, int heads, int size) {
    double[] out = x.clone();
    for (int row = 0; row < positions.length; row++) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < size / 2; i++) {
          double angle = positions[row] * Math.pow(10000.0, -2.0 * i / size);
          int j = (row * heads + h) * size + 2 * i;
          out[j] = x[j] * Math.cos(angle) - x[j + 1] * Math.sin(angle);
          out[j + 1] = x[j + 1] * Math.cos(angle) + x[j] * Math.sin(angle);
        }
      }
    }
    return out;
  }

  @Test
  void rotaryAtTurnsEachRowByItsPosition() {
    int rows = 7;
    int heads = 3;
    int size = 32;
    int[] positions = {0, 511, 3, 3, 128, 1, 40};
    float[] x = uniform(new Random(1), rows * heads * size, -2, 2);
    Slice xs = put(kernels, x);
    kernels.rotaryAt(xs, positions, rows, heads, size);
    assertClose(rotaryAt(doubles(x), positions, heads, size),
        get(kernels, xs, rows * heads * size), 2e-5, "x");
  }

  @Test
  void rotaryAtTheRowIndicesIsRotary() {
    int batch = 2;
    int seq = 9;
    int[] positions = new int[batch * seq];
    for (int r = 0; r < positions.length; r++) {
      positions[r] = r % seq;
    }
    float[] x = uniform(new Random(2), batch * seq * 2 * 8, -2, 2);
    Slice at = put(kernels, x);
    Slice plain = put(kernels, x);
    kernels.rotaryAt(at, positions, batch * seq, 2, 8);
    kernels.rotary(plain, batch, seq, 2, 8, false);
    assertArrayEquals(get(kernels, plain, x.length), get(kernels, at, x.length));
  }

  /** The cache and its ids before the call: random rows, some padding, segments for UNILM. */
  private record Cache(float[] keys, float[] values, int[] tokens, int[] segments) {}

  private static Cache cache(Random random, int[] starts) {
    int[] tokens = new int[BATCH * CAPACITY];
    int[] segments = new int[BATCH * CAPACITY];
    for (int b = 0; b < BATCH; b++) {
      for (int j = 0; j < starts[b] + SEQ; j++) {
        tokens[b * CAPACITY + j] = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(50);
        segments[b * CAPACITY + j] = j >= starts[b] / 2 ? 1 : 0;
      }
    }
    return new Cache(uniform(random, BATCH * CAPACITY * QK, -1, 1),
        uniform(random, BATCH * CAPACITY * V, -1, 1), tokens, segments);
  }

  /** Whether cached key j is visible to the query at position p of sequence b. */
  private static boolean visible(Mask mask, Cache c, int b, int j, int p) {
    if (c.tokens()[b * CAPACITY + j] == 0) {
      return false;
    }
    int cj = 0;
    int cp = 0;
    for (int t = 0; t <= Math.max(j, p); t++) {
      int s = c.segments()[b * CAPACITY + t];
      cj += t <= j ? s : 0;
      cp += t <= p ? s : 0;
    }
    return switch (mask) {
      case NONE -> true;
      case LM -> j <= p;
      case UNILM -> cj <= cp;
    };
  }

  /** The caches after appending k and v, and the context, in double. */
  private static double[][] reference(Mask mask, Cache c, int[] starts, float[] q, float[] k,
      float[] v) {
    double[] keys = doubles(c.keys());
    double[] values = doubles(c.values());
    for (int b = 0; b < BATCH; b++) {
      for (int i = 0; i < SEQ; i++) {
        for (int e = 0; e < QK; e++) {
          keys[(b * CAPACITY + starts[b] + i) * QK + e] = k[(b * SEQ + i) * QK + e];
        }
        for (int e = 0; e < V; e++) {
          values[(b * CAPACITY + starts[b] + i) * V + e] = v[(b * SEQ + i) * V + e];
        }
      }
    }
    double[] ctx = new double[BATCH * SEQ * V];
    for (int b = 0; b < BATCH; b++) {
      int count = starts[b] + SEQ;
      for (int h = 0; h < HEADS; h++) {
        for (int i = 0; i < SEQ; i++) {
          int p = starts[b] + i;
          double[] w = new double[count];
          double max = Double.NEGATIVE_INFINITY;
          boolean any = false;
          for (int j = 0; j < count; j++) {
            if (visible(mask, c, b, j, p)) {
              double dot = 0;
              for (int e = 0; e < KEY_SIZE; e++) {
                dot += q[(b * SEQ + i) * QK + h * KEY_SIZE + e]
                    * keys[(b * CAPACITY + j) * QK + h * KEY_SIZE + e];
              }
              w[j] = dot * SCALE;
              max = Math.max(max, w[j]);
              any = true;
            } else {
              w[j] = Double.NEGATIVE_INFINITY;
            }
          }
          double sum = 0;
          for (int j = 0; j < count; j++) {
            w[j] = !any ? 1 : Double.isInfinite(w[j]) ? 0 : Math.exp(w[j] - max);
            sum += w[j];
          }
          for (int e = 0; e < HEAD_SIZE; e++) {
            double out = 0;
            for (int j = 0; j < count; j++) {
              out += w[j] / sum * values[(b * CAPACITY + j) * V + h * HEAD_SIZE + e];
            }
            ctx[(b * SEQ + i) * V + h * HEAD_SIZE + e] = out;
          }
        }
      }
    }
    return new double[][] {keys, values, ctx};
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Mask.class)
  void cachedAttentionMatchesTheNaiveReference(Mask mask) {
    Random random = new Random(3 + mask.ordinal());
    int[] starts = {0, 17, CAPACITY - SEQ};
    Cache c = cache(random, starts);
    float[] q = uniform(random, BATCH * SEQ * QK, -1, 1);
    float[] k = uniform(random, BATCH * SEQ * QK, -1, 1);
    float[] v = uniform(random, BATCH * SEQ * V, -1, 1);
    Slice keyCache = put(kernels, c.keys());
    Slice valueCache = put(kernels, c.values());
    Slice ctx = put(kernels, new float[BATCH * SEQ * V]);
    kernels.cachedAttention(new AttentionShape(BATCH, SEQ, HEADS, KEY_SIZE, HEAD_SIZE, SCALE),
        CAPACITY, mask, c.tokens(), c.segments(), starts, put(kernels, q), put(kernels, k),
        put(kernels, v), keyCache, valueCache, ctx);
    double[][] want = reference(mask, c, starts, q, k, v);
    assertClose(want[0], get(kernels, keyCache, BATCH * CAPACITY * QK), 0, "keyCache");
    assertClose(want[1], get(kernels, valueCache, BATCH * CAPACITY * V), 0, "valueCache");
    assertClose(want[2], get(kernels, ctx, BATCH * SEQ * V), 2e-6, "ctx");
  }

  /** A sequence whose cached tokens are all padding averages its values over the positions. */
  @Test
  void aQueryThatSeesNoKeyAveragesTheValues() {
    Random random = new Random(5);
    int[] starts = {2, 5, 0};
    Cache c = cache(random, starts);
    Arrays.fill(c.tokens(), CAPACITY, 2 * CAPACITY, 0);
    float[] q = uniform(random, BATCH * SEQ * QK, -1, 1);
    float[] k = uniform(random, BATCH * SEQ * QK, -1, 1);
    float[] v = uniform(random, BATCH * SEQ * V, -1, 1);
    Slice ctx = put(kernels, new float[BATCH * SEQ * V]);
    kernels.cachedAttention(new AttentionShape(BATCH, SEQ, HEADS, KEY_SIZE, HEAD_SIZE, SCALE),
        CAPACITY, Mask.LM, c.tokens(), c.segments(), starts, put(kernels, q), put(kernels, k),
        put(kernels, v), put(kernels, c.keys()), put(kernels, c.values()), ctx);
    double[][] want = reference(Mask.LM, c, starts, q, k, v);
    float[] got = get(kernels, ctx, BATCH * SEQ * V);
    assertClose(want[2], got, 2e-6, "ctx");
    double mean = 0;
    for (int j = 0; j < starts[1] + SEQ; j++) {
      mean += want[1][(CAPACITY + j) * V] / (starts[1] + SEQ);
    }
    assertTrue(Math.abs(mean - got[SEQ * V]) < 1e-5, "sequence 1's first context value is the mean");
  }

  @Test
  void cachedAttentionRejectsRowsPastTheCache() {
    int[] starts = {0, CAPACITY - SEQ + 1, 0};
    Cache c = cache(new Random(6), new int[] {0, 0, 0});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> kernels.cachedAttention(new AttentionShape(BATCH, SEQ, HEADS, KEY_SIZE, HEAD_SIZE,
            SCALE), CAPACITY, Mask.LM, c.tokens(), c.segments(), starts,
            put(kernels, new float[BATCH * SEQ * QK]), put(kernels, new float[BATCH * SEQ * QK]),
            put(kernels, new float[BATCH * SEQ * V]), put(kernels, c.keys()),
            put(kernels, c.values()), put(kernels, new float[BATCH * SEQ * V])));
    assertTrue(e.getMessage().contains("sequence 1 starts at 38; its 3 new rows must fit the "
        + "cache's 40 positions"), e.getMessage());
  }

  @Test
  void copyCopiesExactlyCountFloats() {
    float[] x = uniform(new Random(7), 1000, -3, 3);
    Slice source = put(kernels, x);
    Slice target = put(kernels, new float[1000]);
    kernels.copy(source.plus(10), target.plus(20), 900);
    float[] got = get(kernels, target, 1000);
    float[] want = new float[1000];
    System.arraycopy(x, 10, want, 20, 900);
    assertArrayEquals(want, got);
    assertThrows(IllegalArgumentException.class, () -> kernels.copy(source, source.plus(5), 10));
  }
}
