package bert4j.runtime.cpu;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import java.util.Arrays;
import java.util.Random;

/**
 * Times the CPU kernels at BERT-base sizes (batch 8 × seq 128 = 1024 rows, hidden 768, intermediate
 * 3072, 12 heads) against the bare sgemm of the same shapes, and one whole encoder layer's forward
 * as a fraction of the sgemm rate. Not a test: run it by hand, e.g.
 * {@code java -cp <test classpath> bert4j.runtime.cpu.CpuKernelsTiming [repetitions]}.
 */
public final class CpuKernelsTiming {
  private static final int BATCH = 8;
  private static final int SEQ = 128;
  private static final int ROWS = BATCH * SEQ;
  private static final int HIDDEN = 768;
  private static final int INTER = 3072;
  private static final int HEADS = 12;
  private static final int HEAD = HIDDEN / HEADS;
  private static final int VOCAB = 21128;

  private final CpuKernels k;
  private final int reps;

  private CpuKernelsTiming(CpuKernels k, int reps) {
    this.k = k;
    this.reps = reps;
  }

  public static void main(String[] args) {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    try (CpuKernels kernels = new CpuKernels()) {
      System.out.println(kernels.name() + ", best of " + reps + " repetitions (the machine may be"
          + " shared; the load average before: " + loadAverage() + ")");
      new CpuKernelsTiming(kernels, reps).run();
    }
  }

  private Slice random(long n, Random r) {
    Memory m = k.allocate(n);
    float[] chunk = new float[1 << 16];
    for (long done = 0; done < n; done += chunk.length) {
      int c = (int) Math.min(chunk.length, n - done);
      for (int i = 0; i < c; i++) {
        chunk[i] = (float) (r.nextGaussian() * 0.5);
      }
      k.write(chunk, 0, new Slice(m, done), c);
    }
    return new Slice(m, 0);
  }

  private double time(Runnable body) {
    for (int i = 0; i < 3; i++) {
      body.run();
    }
    double[] ms = new double[reps];
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      body.run();
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    Arrays.sort(ms);
    return ms[0];
  }

  private static String loadAverage() {
    return String.format("%.2f", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        .getSystemLoadAverage());
  }

  private static void row(String what, double ms, double flops) {
    if (flops > 0) {
      System.out.printf("%-44s %8.2f ms %8.1f GFLOP/s%n", what, ms, flops / ms / 1e6);
    } else {
      System.out.printf("%-44s %8.2f ms%n", what, ms);
    }
  }

  private void run() {
    Random r = new Random(42);
    Slice x = random((long) ROWS * HIDDEN, r);
    Slice res = random((long) ROWS * HIDDEN, r);
    Slice w1 = random((long) INTER * HIDDEN, r);
    Slice b1 = random(INTER, r);
    Slice w2 = random((long) HIDDEN * INTER, r);
    Slice wq = random((long) HIDDEN * HIDDEN, r);
    Slice bq = random(HIDDEN, r);
    Slice pre = random((long) ROWS * INTER, r);
    Slice act = random((long) ROWS * INTER, r);
    Slice dAct = random((long) ROWS * INTER, r);
    Slice h = random((long) ROWS * HIDDEN, r);
    Slice out = random((long) ROWS * HIDDEN, r);
    Slice gamma = random(HIDDEN, r);
    Slice beta = random(HIDDEN, r);
    Slice mean = random(ROWS, r);
    Slice rstd = random(ROWS, r);
    Slice dGamma = random(HIDDEN, r);
    Slice dBeta = random(HIDDEN, r);
    Slice dw1 = random((long) INTER * HIDDEN, r);
    Slice db1 = random(INTER, r);
    Slice dx = random((long) ROWS * HIDDEN, r);
    Slice q = random((long) ROWS * HIDDEN, r);
    Slice kk = random((long) ROWS * HIDDEN, r);
    Slice v = random((long) ROWS * HIDDEN, r);
    Slice ctx = random((long) ROWS * HIDDEN, r);
    Slice probs = random((long) BATCH * HEADS * SEQ * SEQ, r);
    Slice dq = random((long) ROWS * HIDDEN, r);
    Slice dk = random((long) ROWS * HIDDEN, r);
    Slice dv = random((long) ROWS * HIDDEN, r);
    int[] ids = new int[ROWS];
    for (int i = 0; i < ROWS; i++) {
      ids[i] = i % SEQ < 100 + i / SEQ * 3 ? 1 + r.nextInt(VOCAB - 1) : 0;
    }
    AttentionShape shape = new AttentionShape(BATCH, SEQ, HEADS, HEAD, HEAD,
        (float) (1 / Math.sqrt(HEAD)));

    CpuWindow xm = ((CpuMemory) x.memory()).window(0);
    CpuWindow w1m = ((CpuMemory) w1.memory()).window(0);
    CpuWindow prem = ((CpuMemory) pre.memory()).window(0);
    double fInter = 2.0 * ROWS * INTER * HIDDEN;
    double fHidden = 2.0 * ROWS * HIDDEN * HIDDEN;
    double fAttention = 2.0 * 2 * BATCH * HEADS * SEQ * SEQ * HEAD;

    double gemm = time(() -> Blas.gemm(false, true, ROWS, INTER, HIDDEN, 1f, xm.view(0, 0, 0),
        HIDDEN, w1m.view(0, 1, 0), HIDDEN, 0f, prem.view(0, 2, 0), INTER));
    row("sgemm 1024x768 · (3072x768)T", gemm, fInter);
    double gelu = time(() -> k.linear(x, HIDDEN, w1, b1, Activation.GELU, pre, act, ROWS, HIDDEN,
        INTER));
    row("linear 768->3072 + bias + GELU", gelu, fInter);
    row("  epilogue (bias + GELU) = difference", gelu - gemm, 0);
    row("linear 768->3072 + bias + GELU_TANH", time(() -> k.linear(x, HIDDEN, w1, b1,
        Activation.GELU_TANH, pre, act, ROWS, HIDDEN, INTER)), fInter);
    row("linear 768->768 + bias", time(() -> k.linear(x, HIDDEN, wq, bq, null, q, q, ROWS,
        HIDDEN, HIDDEN)), fHidden);
    row("linear 3072->768 + bias", time(() -> k.linear(act, INTER, w2, bq, null, out, out, ROWS,
        INTER, HIDDEN)), fInter);
    row("layerNorm 1024x768 + residual", time(() -> k.layerNorm(h, res, gamma, beta, 1e-12f, out,
        mean, rstd, ROWS, HIDDEN)), 0);
    row("attention fwd (padding mask)", time(() -> k.attention(shape, Mask.NONE, ids, null, q, kk,
        v, probs, ctx, 0f, 1)), fAttention);
    row("attention fwd (UNILM mask, dropout 0.1)", time(() -> k.attention(shape, Mask.UNILM, ids,
        ids, q, kk, v, probs, ctx, 0.1f, 1)), fAttention);
    row("attention bwd", time(() -> k.attentionBackward(shape, Mask.NONE, ids, null, q, kk, v,
        probs, ctx, dq, dk, dv, 0f, 1)), 2 * fAttention);
    row("attention bwd (dropout 0.1)", time(() -> k.attentionBackward(shape, Mask.NONE, ids, null, q,
        kk, v, probs, ctx, dq, dk, dv, 0.1f, 1)), 2 * fAttention);
    row("activationBackward GELU 1024x3072", time(() -> k.activationBackward(Activation.GELU, pre,
        dAct, dAct, (long) ROWS * INTER)), 0);
    row("linearBackward 768->3072 (dx, dw, dBias)", time(() -> k.linearBackward(dAct, x, HIDDEN,
        w1, dx, HIDDEN, false, dw1, db1, true, ROWS, HIDDEN, INTER)), 2 * fInter);
    row("layerNormBackward 1024x768", time(() -> k.layerNormBackward(out, h, mean, rstd, gamma, dx,
        dGamma, dBeta, ROWS, HIDDEN)), 0);
    row("dropout 0.1 over 1024x768", time(() -> k.dropout(h, out, (long) ROWS * HIDDEN, 0.1f, 7)),
        0);

    Runnable layer = () -> {
      k.linear(x, HIDDEN, wq, bq, null, q, q, ROWS, HIDDEN, HIDDEN);
      k.linear(x, HIDDEN, wq, bq, null, kk, kk, ROWS, HIDDEN, HIDDEN);
      k.linear(x, HIDDEN, wq, bq, null, v, v, ROWS, HIDDEN, HIDDEN);
      k.attention(shape, Mask.NONE, ids, null, q, kk, v, probs, ctx, 0f, 1);
      k.linear(ctx, HIDDEN, wq, bq, null, h, h, ROWS, HIDDEN, HIDDEN);
      k.layerNorm(h, x, gamma, beta, 1e-12f, out, mean, rstd, ROWS, HIDDEN);
      k.linear(out, HIDDEN, w1, b1, Activation.GELU, pre, act, ROWS, HIDDEN, INTER);
      k.linear(act, INTER, w2, bq, null, h, h, ROWS, INTER, HIDDEN);
      k.layerNorm(h, out, gamma, beta, 1e-12f, x, mean, rstd, ROWS, HIDDEN);
    };
    CpuWindow qm = ((CpuMemory) q.memory()).window(0);
    CpuWindow wqm = ((CpuMemory) wq.memory()).window(0);
    CpuWindow actm = ((CpuMemory) act.memory()).window(0);
    CpuWindow w2m = ((CpuMemory) w2.memory()).window(0);
    Runnable gemmsOnly = () -> {
      for (int i = 0; i < 4; i++) {
        Blas.gemm(false, true, ROWS, HIDDEN, HIDDEN, 1f, xm.view(0, 0, 0), HIDDEN,
            wqm.view(0, 1, 0), HIDDEN, 0f, qm.view(0, 2, 0), HIDDEN);
      }
      Blas.gemm(false, true, ROWS, INTER, HIDDEN, 1f, xm.view(0, 0, 0), HIDDEN, w1m.view(0, 1, 0),
          HIDDEN, 0f, actm.view(0, 2, 0), INTER);
      Blas.gemm(false, true, ROWS, HIDDEN, INTER, 1f, actm.view(0, 0, 0), INTER, w2m.view(0, 1, 0),
          INTER, 0f, qm.view(0, 2, 0), HIDDEN);
    };
    double layerBest = Double.MAX_VALUE;
    double gemmsBest = Double.MAX_VALUE;
    for (int i = 0; i < reps + 3; i++) {
      long t0 = System.nanoTime();
      layer.run();
      long t1 = System.nanoTime();
      gemmsOnly.run();
      long t2 = System.nanoTime();
      if (i >= 3) {
        layerBest = Math.min(layerBest, (t1 - t0) / 1e6);
        gemmsBest = Math.min(gemmsBest, (t2 - t1) / 1e6);
      }
    }
    double linearFlops = 4 * fHidden + 2 * fInter;
    double layerFlops = linearFlops + fAttention;
    row("BERT-base encoder layer forward", layerBest, layerFlops);
    row("  its six linear sgemms alone (interleaved)", gemmsBest, linearFlops);
    double floorMs = layerFlops / (linearFlops / gemmsBest);
    System.out.printf("  x12 layers: %.0f ms; at the interleaved sgemm rate %.0f ms: fraction of sgemm"
        + " rate %.2f%n", 12 * layerBest, 12 * floorMs, floorMs / layerBest);
    System.out.println("  load average now: " + loadAverage());

    Slice logits = random((long) ROWS * VOCAB, r);
    int[] targets = new int[ROWS];
    for (int i = 0; i < ROWS; i++) {
      targets[i] = i % 7 == 0 ? -1 : r.nextInt(VOCAB);
    }
    row("softmaxCrossEntropy 1024x21128", time(() -> k.softmaxCrossEntropy(logits, targets, ROWS,
        VOCAB, logits, 1f / ROWS)), 0);
  }
}
