package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.KernelTesting.assertClose;
import static bert4j.runtime.kernels.contract.KernelTesting.doubles;
import static bert4j.runtime.kernels.contract.KernelTesting.get;
import static bert4j.runtime.kernels.contract.KernelTesting.put;
import static bert4j.runtime.kernels.contract.KernelTesting.uniform;

import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.RelativeBuckets;
import bert4j.runtime.kernels.Slice;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * decoderAttention (T5's incremental decoding) against a naive double reference: self-attention
 * appends the new rows' keys and values at their positions and attends causally, with and without
 * the relative bias; cross-attention attends to the cached encoder rows with padding masked (one
 * sequence all padding: uniform). Sequences start at different positions, two new rows each.
 */
public abstract class DecoderAttentionContract extends KernelsContract {
  private static final int BATCH = 3;
  private static final int SEQ = 2;
  private static final int HEADS = 2;
  private static final int KEY = 4;
  private static final int VALUE = 3;
  private static final int CAPACITY = 30;
  private static final int BUCKETS = 32;
  private static final int MAX_DISTANCE = 20;
  private static final int[] STARTS = {0, 9, 27};
  private static final int KEY_LENGTH = 25;

  private static double[] reference(AttentionShape shape, boolean self, double[] q,
      double[] keys, double[] values, int[] keyIds, double[] table) {
    double[] ctx = new double[BATCH * SEQ * HEADS * VALUE];
    for (int b = 0; b < BATCH; b++) {
      for (int i = 0; i < SEQ; i++) {
        int p = STARTS[b] + i;
        int span = self ? p + 1 : KEY_LENGTH;
        for (int h = 0; h < HEADS; h++) {
          double[] w = new double[span];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < span; j++) {
            if (!self && keyIds[b * CAPACITY + j] == 0) {
              w[j] = Double.NaN;
              continue;
            }
            double s = 0;
            for (int c = 0; c < KEY; c++) {
              s += q[((b * SEQ + i) * HEADS + h) * KEY + c]
                  * keys[((b * CAPACITY + j) * HEADS + h) * KEY + c];
            }
            s *= shape.scale();
            if (table != null) {
              s += table[RelativeBuckets.bucket(j - p, false, BUCKETS, MAX_DISTANCE) * HEADS + h];
            }
            w[j] = s;
            max = Math.max(max, s);
          }
          double sum = 0;
          for (int j = 0; j < span; j++) {
            w[j] = max == Double.NEGATIVE_INFINITY ? 1 : Double.isNaN(w[j]) ? 0 : Math.exp(w[j] - max);
            sum += w[j];
          }
          for (int c = 0; c < VALUE; c++) {
            double acc = 0;
            for (int j = 0; j < span; j++) {
              acc += w[j] / sum * values[((b * CAPACITY + j) * HEADS + h) * VALUE + c];
            }
            ctx[((b * SEQ + i) * HEADS + h) * VALUE + c] = acc;
          }
        }
      }
    }
    return ctx;
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void selfAttentionAppendsThenAttendsCausally(boolean biased) {
    Random random = new Random(biased ? 11 : 12);
    AttentionShape shape = new AttentionShape(BATCH, SEQ, HEADS, KEY, VALUE, 0.8f);
    float[] q = uniform(random, BATCH * SEQ * HEADS * KEY, -1, 1);
    float[] k = uniform(random, BATCH * SEQ * HEADS * KEY, -1, 1);
    float[] v = uniform(random, BATCH * SEQ * HEADS * VALUE, -1, 1);
    float[] keys = uniform(random, (BATCH + 1) * CAPACITY * HEADS * KEY, -1, 1);
    float[] values = uniform(random, (BATCH + 1) * CAPACITY * HEADS * VALUE, -1, 1);
    float[] table = uniform(random, BUCKETS * HEADS, -1, 1);
    double[] wantKeys = doubles(keys);
    double[] wantValues = doubles(values);
    for (int b = 0; b < BATCH; b++) {
      for (int i = 0; i < SEQ; i++) {
        for (int c = 0; c < HEADS * KEY; c++) {
          wantKeys[(b * CAPACITY + STARTS[b] + i) * HEADS * KEY + c] = k[(b * SEQ + i) * HEADS * KEY + c];
        }
        for (int c = 0; c < HEADS * VALUE; c++) {
          wantValues[(b * CAPACITY + STARTS[b] + i) * HEADS * VALUE + c] =
              v[(b * SEQ + i) * HEADS * VALUE + c];
        }
      }
    }
    Slice keyCache = put(kernels, keys);
    Slice valueCache = put(kernels, values);
    Slice ctx = put(kernels, new float[BATCH * SEQ * HEADS * VALUE]);
    kernels.decoderAttention(shape, CAPACITY, STARTS, 0, null,
        biased ? put(kernels, table) : null, BUCKETS, MAX_DISTANCE, put(kernels, q),
        put(kernels, k), put(kernels, v), keyCache, valueCache, ctx);
    assertClose(wantKeys, get(kernels, keyCache, keys.length), 0, "keys written to the cache");
    assertClose(wantValues, get(kernels, valueCache, values.length), 0,
        "values written to the cache");
    assertClose(reference(shape, true, doubles(q), wantKeys, wantValues, null,
        biased ? doubles(table) : null), get(kernels, ctx, BATCH * SEQ * HEADS * VALUE), 1e-5,
        "context");
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void crossAttentionMasksTheEncodersPadding(boolean biased) {
    Random random = new Random(biased ? 13 : 14);
    AttentionShape shape = new AttentionShape(BATCH, SEQ, HEADS, KEY, VALUE, 1f);
    float[] q = uniform(random, BATCH * SEQ * HEADS * KEY, -1, 1);
    float[] keys = uniform(random, (BATCH + 1) * CAPACITY * HEADS * KEY, -1, 1);
    float[] values = uniform(random, (BATCH + 1) * CAPACITY * HEADS * VALUE, -1, 1);
    float[] table = uniform(random, BUCKETS * HEADS, -1, 1);
    int[] keyIds = new int[(BATCH + 1) * CAPACITY];
    int[] lengths = {KEY_LENGTH, 11, 0};
    for (int b = 0; b < BATCH; b++) {
      for (int j = 0; j < lengths[b]; j++) {
        keyIds[b * CAPACITY + j] = 1 + j;
      }
    }
    Slice ctx = put(kernels, new float[BATCH * SEQ * HEADS * VALUE]);
    kernels.decoderAttention(shape, CAPACITY, STARTS, KEY_LENGTH, keyIds,
        biased ? put(kernels, table) : null, BUCKETS, MAX_DISTANCE, put(kernels, q), null, null,
        put(kernels, keys), put(kernels, values), ctx);
    assertClose(reference(shape, false, doubles(q), doubles(keys), doubles(values), keyIds,
        biased ? doubles(table) : null), get(kernels, ctx, BATCH * SEQ * HEADS * VALUE), 1e-5,
        "context");
  }
}
