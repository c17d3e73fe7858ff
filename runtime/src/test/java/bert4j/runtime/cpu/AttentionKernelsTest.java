package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bert4j.dsl.Mask;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fused attention forward with oneDNN's row softmax and products against the Java row pass and
 * OpenBLAS products it replaces (the path taken where oneDNN is not loaded), on every mask, with padding keys in runs, a fully
 * padded sequence (rows of 1/seq), odd sequence lengths, operands at offsets, and dropout: same
 * probabilities and context to a float rounding, masked keys exactly 0.
 */
class AttentionKernelsTest {
  private static final int HEADS = 3;
  private static final int SIZE = 8;
  private static ParallelRows pool;
  private static OneDnn dnnl;

  @BeforeAll
  static void load() {
    dnnl = OneDnn.get();
    assumeTrue(dnnl != null, () -> "oneDNN not loadable here: " + OneDnn.failure());
    pool = new ParallelRows(2);
  }

  @AfterAll
  static void close() {
    if (pool != null) {
      pool.close();
    }
  }

  @Test
  void oneDnnMatchesJavaAndOpenBlasForwardAndBackward() {
    SplittableRandom random = new SplittableRandom(5);
    OneDnnSgemm[] products = OneDnnSgemm.perThread(dnnl, pool.threads());
    try (AttentionKernels plain = new AttentionKernels(pool, Scratch.perThread(pool), null, null);
        AttentionKernels withDnnl = new AttentionKernels(pool, Scratch.perThread(pool), dnnl,
            products)) {
      for (Mask mask : Mask.values()) {
        for (int seq : new int[] {1, 7, 33}) {
          for (float dropout : new float[] {0f, 0.25f}) {
            compare(plain, withDnnl, mask, 3, seq, dropout, random);
          }
        }
      }
    } finally {
      for (OneDnnSgemm p : products) {
        p.close();
      }
    }
  }

  private static void compare(AttentionKernels java, AttentionKernels dnnl, Mask mask, int batch,
      int seq, float dropout, SplittableRandom random) {
    int width = HEADS * SIZE;
    int rows = batch * seq;
    int[] tokens = new int[rows];
    int[] segments = new int[rows];
    for (int i = 0; i < rows; i++) {
      int b = i / seq;
      int j = i % seq;
      boolean padding = b == 1 || (b == 2 && j % 5 >= 3) || (b == 0 && j >= seq - 2);
      tokens[i] = padding ? 0 : 1 + random.nextInt(50);
      segments[i] = j >= seq / 2 ? 1 : 0;
    }
    int off = 3;
    CpuWindow q = window(values(random, off + rows * width));
    CpuWindow k = window(values(random, off + rows * width));
    CpuWindow v = window(values(random, off + rows * width));
    int probsSize = batch * HEADS * seq * seq;
    CpuWindow[] probs = {window(new float[off + probsSize]), window(new float[off + probsSize])};
    CpuWindow[] ctx = {window(new float[off + rows * width]), window(new float[off + rows * width])};
    AttentionKernels[] kernels = {java, dnnl};
    for (int x = 0; x < 2; x++) {
      kernels[x].forward(batch, seq, HEADS, SIZE, SIZE, 0.35f, mask, tokens, segments, q, off, k,
          off, v, off, width, width, probs[x], off, ctx[x], off, dropout, 17);
    }
    String where = mask + ", seq " + seq + ", dropout " + dropout;
    for (int i = off; i < off + probsSize; i++) {
      float expected = probs[0].floats().get(i);
      float actual = probs[1].floats().get(i);
      if (expected == 0f) {
        assertEquals(0f, actual, where + ": masked probability " + i);
      }
      assertEquals(expected, actual, 1e-6f, where + ": probability " + i);
    }
    for (int i = off; i < off + rows * width; i++) {
      assertEquals(ctx[0].floats().get(i), ctx[1].floats().get(i), 1e-5f, where + ": ctx " + i);
    }
    CpuWindow dCtx = window(values(random, off + rows * width));
    CpuWindow[][] grads = new CpuWindow[2][3];
    for (int x = 0; x < 2; x++) {
      for (int g = 0; g < 3; g++) {
        grads[x][g] = window(new float[off + rows * width]);
      }
      kernels[x].backward(batch, seq, HEADS, SIZE, SIZE, 0.35f, mask, tokens, segments, q, off, k,
          off, v, off, width, width, probs[x], off, dCtx, off, grads[x][0], off, grads[x][1], off,
          grads[x][2], off, dropout, 17);
    }
    String[] names = {"dq", "dk", "dv"};
    for (int g = 0; g < 3; g++) {
      for (int i = off; i < off + rows * width; i++) {
        assertEquals(grads[0][g].floats().get(i), grads[1][g].floats().get(i), 1e-4f,
            where + ": " + names[g] + " " + i);
      }
    }
  }

  private static float[] values(SplittableRandom random, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (random.nextDouble() * 6 - 3);
    }
    return x;
  }

  private static CpuWindow window(float[] values) {
    FloatBuffer b = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder())
        .asFloatBuffer();
    b.put(values).flip();
    return new CpuWindow(b, values.length, pool.threads());
  }
}
