package bert4j.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * After warm-up, the kernels of a whole training step of a small encoder allocate (almost) nothing on
 * the Java heap, on the calling thread or the workers; measured with ThreadMXBean.
 */
class CpuAllocationTest {
  private static final int BATCH = 2;
  private static final int SEQ = 32;
  private static final int ROWS = BATCH * SEQ;
  private static final int HIDDEN = 64;
  private static final int HEADS = 4;
  private static final int INTER = 256;
  private static final int VOCAB = 300;
  private static final long MAX_BYTES_PER_STEP = 10_000;

  /** One arena per kind, slices made once, as a generated model does. */
  private static final class Step {
    final CpuKernels k;
    final Slice table;
    final Slice segTable;
    final Slice gamma;
    final Slice beta;
    final Slice wq;
    final Slice bq;
    final Slice w1;
    final Slice b1;
    final Slice w2;
    final Slice wOut;
    final Slice x;
    final Slice h;
    final Slice q;
    final Slice kk;
    final Slice v;
    final Slice ctx;
    final Slice probs;
    final Slice pre;
    final Slice act;
    final Slice ln;
    final Slice mean;
    final Slice rstd;
    final Slice logits;
    final Slice g1;
    final Slice g2;
    final Slice g3;
    final Slice gInter;
    final Slice dq;
    final Slice dk;
    final Slice dv;
    final Slice dTable;
    final Slice dW1;
    final Slice dB1;
    final Slice dWq;
    final Slice dGamma;
    final Slice dBeta;
    final Slice dWOut;
    final Slice grads;
    final int gradSize;
    final int[] ids = new int[ROWS];
    final int[] segments = new int[ROWS];
    final int[] targets = new int[ROWS];
    final float[] host = new float[HIDDEN];
    final AttentionShape shape = new AttentionShape(BATCH, SEQ, HEADS, HIDDEN / HEADS,
        HIDDEN / HEADS, 0.25f);

    Step(CpuKernels k) {
      this.k = k;
      Random random = new Random(1);
      Memory params = k.allocate(1 << 20);
      Memory arena = k.allocate(1 << 20);
      Memory gradients = k.allocate(1 << 20);
      int[] at = {0};
      table = next(params, at, VOCAB * HIDDEN);
      segTable = next(params, at, 2 * HIDDEN);
      gamma = next(params, at, HIDDEN);
      beta = next(params, at, HIDDEN);
      wq = next(params, at, HIDDEN * HIDDEN);
      bq = next(params, at, HIDDEN);
      w1 = next(params, at, INTER * HIDDEN);
      b1 = next(params, at, INTER);
      w2 = next(params, at, HIDDEN * INTER);
      wOut = next(params, at, VOCAB * HIDDEN);
      float[] init = new float[at[0]];
      for (int i = 0; i < init.length; i++) {
        init[i] = (float) (random.nextGaussian() * 0.1);
      }
      k.write(init, 0, new Slice(params, 0), init.length);
      at[0] = 0;
      x = next(arena, at, ROWS * HIDDEN);
      h = next(arena, at, ROWS * HIDDEN);
      q = next(arena, at, ROWS * HIDDEN);
      kk = next(arena, at, ROWS * HIDDEN);
      v = next(arena, at, ROWS * HIDDEN);
      ctx = next(arena, at, ROWS * HIDDEN);
      probs = next(arena, at, BATCH * HEADS * SEQ * SEQ);
      pre = next(arena, at, ROWS * INTER);
      act = next(arena, at, ROWS * INTER);
      ln = next(arena, at, ROWS * HIDDEN);
      mean = next(arena, at, ROWS);
      rstd = next(arena, at, ROWS);
      logits = next(arena, at, ROWS * VOCAB);
      g1 = next(arena, at, ROWS * HIDDEN);
      g2 = next(arena, at, ROWS * HIDDEN);
      g3 = next(arena, at, ROWS * HIDDEN);
      gInter = next(arena, at, ROWS * INTER);
      dq = next(arena, at, ROWS * HIDDEN);
      dk = next(arena, at, ROWS * HIDDEN);
      dv = next(arena, at, ROWS * HIDDEN);
      at[0] = 0;
      dTable = next(gradients, at, VOCAB * HIDDEN);
      dW1 = next(gradients, at, INTER * HIDDEN);
      dB1 = next(gradients, at, INTER);
      dWq = next(gradients, at, HIDDEN * HIDDEN);
      dGamma = next(gradients, at, HIDDEN);
      dBeta = next(gradients, at, HIDDEN);
      dWOut = next(gradients, at, VOCAB * HIDDEN);
      gradSize = at[0];
      grads = new Slice(gradients, 0);
      for (int i = 0; i < ROWS; i++) {
        int pos = i % SEQ;
        ids[i] = pos < SEQ - 3 * (i / SEQ) ? 1 + random.nextInt(VOCAB - 1) : 0;
        segments[i] = pos >= SEQ / 2 ? 1 : 0;
        targets[i] = segments[i] == 1 ? random.nextInt(VOCAB) : -1;
      }
    }

    private static Slice next(Memory m, int[] at, int size) {
      Slice s = new Slice(m, at[0]);
      at[0] += size;
      return s;
    }

    double run() {
      k.fill(grads, gradSize, 0f);
      k.embedding(ids, ROWS, table, HIDDEN, x, false);
      k.embedding(segments, ROWS, segTable, HIDDEN, x, true);
      k.layerNorm(x, null, gamma, beta, 1e-12f, h, mean, rstd, ROWS, HIDDEN);
      k.linear(h, HIDDEN, wq, bq, null, q, q, ROWS, HIDDEN, HIDDEN);
      k.linear(h, HIDDEN, wq, bq, null, kk, kk, ROWS, HIDDEN, HIDDEN);
      k.linear(h, HIDDEN, wq, bq, null, v, v, ROWS, HIDDEN, HIDDEN);
      k.attention(shape, Mask.UNILM, ids, segments, q, kk, v, probs, ctx, 0.1f, 7);
      k.dropout(ctx, ctx, ROWS * HIDDEN, 0.1f, 8);
      k.layerNorm(ctx, h, gamma, beta, 1e-12f, ln, mean, rstd, ROWS, HIDDEN);
      k.linear(ln, HIDDEN, w1, b1, Activation.GELU, pre, act, ROWS, HIDDEN, INTER);
      k.linear(act, INTER, w2, bq, null, g1, g1, ROWS, INTER, HIDDEN);
      k.linear(g1, HIDDEN, wOut, null, null, logits, logits, ROWS, HIDDEN, VOCAB);
      double loss = k.softmaxCrossEntropy(logits, targets, ROWS, VOCAB, logits, 1f / ROWS);
      k.linearBackward(logits, g1, HIDDEN, wOut, g2, HIDDEN, false, dWOut, null, true, ROWS, HIDDEN,
          VOCAB);
      k.linearBackward(g2, act, INTER, w2, gInter, INTER, false, dW1, dB1, true, ROWS, INTER,
          HIDDEN);
      k.activationBackward(Activation.GELU, pre, gInter, gInter, ROWS * INTER);
      k.linearBackward(gInter, ln, HIDDEN, w1, g3, HIDDEN, false, dW1, dB1, false, ROWS, HIDDEN,
          INTER);
      k.layerNormBackward(g3, ctx, mean, rstd, gamma, g3, dGamma, dBeta, ROWS, HIDDEN);
      k.dropoutBackward(g3, g3, ROWS * HIDDEN, 0.1f, 8);
      k.attentionBackward(shape, Mask.UNILM, ids, segments, q, kk, v, probs, g3, dq, dk, dv, 0.1f,
          7);
      k.linearBackward(dq, h, HIDDEN, wq, g1, HIDDEN, false, dWq, dB1, true, ROWS, HIDDEN,
          HIDDEN);
      k.linearBackward(dk, h, HIDDEN, wq, g1, HIDDEN, true, dWq, dB1, true, ROWS, HIDDEN,
          HIDDEN);
      k.linearBackward(dv, h, HIDDEN, wq, g1, HIDDEN, true, dWq, dB1, true, ROWS, HIDDEN,
          HIDDEN);
      k.layerNormBackward(g1, x, mean, rstd, gamma, g1, dGamma, dBeta, ROWS, HIDDEN);
      k.embeddingBackward(ids, ROWS, g1, HIDDEN, dTable);
      k.read(dGamma, host, 0, HIDDEN);
      k.write(host, 0, dGamma, HIDDEN);
      return loss;
    }
  }

  private static long allocated(com.sun.management.ThreadMXBean mx, long[] threads) {
    long sum = 0;
    for (long id : threads) {
      sum += Math.max(0, mx.getThreadAllocatedBytes(id));
    }
    return sum;
  }

  @Test
  void aTrainingStepAllocatesAlmostNothingAfterWarmUp() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (CpuKernels kernels = new CpuKernels(2)) {
      Step step = new Step(kernels);
      for (int i = 0; i < 200; i++) {
        step.run();
      }
      List<Long> ids = new ArrayList<>();
      ids.add(Thread.currentThread().getId());
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getName().startsWith("bert4j-cpu-worker-") && t.isAlive()) {
          ids.add(t.getId());
        }
      }
      assertTrue(ids.size() > 1, "the workers should be running");
      long[] threads = ids.stream().mapToLong(Long::longValue).toArray();
      int steps = 50;
      long before = allocated(mx, threads);
      double loss = 0;
      for (int i = 0; i < steps; i++) {
        loss += step.run();
      }
      long perStep = (allocated(mx, threads) - before) / steps;
      assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
      System.out.println("CpuAllocationTest: " + perStep + " bytes allocated per training step");
      assertTrue(perStep < MAX_BYTES_PER_STEP, perStep + " bytes allocated per step");
    }
  }
}
