package bert4j.runtime.cpu;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.KernelArguments;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import bert4j.runtime.optim.BoundOptimizer;
import bert4j.runtime.optim.HostParallel;
import bert4j.runtime.optim.StateRegion;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The CPU backend: gemms through OpenBLAS (all cores for the big ones), everything else fused Java
 * loops over direct buffers, split over a small fixed pool of threads. After warm-up no call allocates
 * on the Java heap. Calls come from one thread at a time (the model's); the kernels check their
 * arguments and name the kernel, the argument and the sizes when one does not fit.
 */
public final class CpuKernels implements Kernels {
  private final ParallelRows pool;
  private final Scratch[] scratch;
  private final ActivationKernels activations;
  private final LinearKernels linear;
  private final LayerNormKernels layerNorm;
  private final AttentionKernels attention;
  private final EmbeddingKernels embedding;
  private final DropoutKernels dropout;
  private final CrossEntropyKernels crossEntropy;
  private final OptimizerThreads optimizerThreads;
  private final FloatBuffer[] optimizerState = new FloatBuffer[StateRegion.COUNT];
  private static final String[] STATE_NAMES = java.util.stream.IntStream.range(0, StateRegion.COUNT)
      .mapToObj(r -> "state " + StateRegion.of(r)).toArray(String[]::new);
  private boolean closed;

  /** A backend using every available processor. */
  public CpuKernels() {
    this(Runtime.getRuntime().availableProcessors());
  }

  /**
   * A backend using {@code threads} threads, for Java loops and for OpenBLAS alike (OpenBLAS's thread
   * count is process-wide: the last backend created sets it).
   */
  public CpuKernels(int threads) {
    this.pool = new ParallelRows(threads);
    Blas.threads(threads);
    this.scratch = Scratch.perThread(pool);
    this.activations = new ActivationKernels(pool, scratch);
    this.linear = new LinearKernels(pool, scratch, activations);
    this.layerNorm = new LayerNormKernels(pool, scratch);
    this.attention = new AttentionKernels(pool, scratch);
    this.embedding = new EmbeddingKernels(pool, scratch);
    this.dropout = new DropoutKernels(pool, scratch);
    this.crossEntropy = new CrossEntropyKernels(pool, scratch);
    this.optimizerThreads = new OptimizerThreads(pool);
  }

  @Override
  public String name() {
    return "cpu (" + pool.threads() + " threads, OpenBLAS)";
  }

  @Override
  public Memory allocate(long floats) {
    open();
    return new CpuMemory(floats, pool.threads());
  }

  @Override
  public void write(float[] source, int sourceOffset, Slice target, int count) {
    open();
    KernelArguments.host("write", "source", source.length, sourceOffset, count);
    CpuMemory t = cpu("write", "target", target, count);
    t.floats().put(offset(target), source, sourceOffset, count);
  }

  @Override
  public void read(Slice source, float[] target, int targetOffset, int count) {
    open();
    KernelArguments.host("read", "target", target.length, targetOffset, count);
    CpuMemory s = cpu("read", "source", source, count);
    s.floats().get(offset(source), target, targetOffset, count);
  }

  @Override
  public void fill(Slice target, long count, float value) {
    open();
    KernelArguments.nonNegative("fill", "count", count);
    FloatBuffer t = cpu("fill", "target", target, count).floats();
    int off = offset(target);
    float[] chunk = scratch[0].a;
    Arrays.fill(chunk, value);
    for (long done = 0; done < count; done += Scratch.CHUNK) {
      int n = (int) Math.min(Scratch.CHUNK, count - done);
      t.put(off + (int) done, chunk, 0, n);
    }
  }

  @Override
  public void embedding(int[] ids, int rows, Slice table, int width, Slice out, boolean accumulate) {
    open();
    String k = "embedding";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "width", width);
    KernelArguments.host(k, "ids", ids.length, 0, rows);
    CpuMemory t = cpu(k, "table", table, width);
    KernelArguments.ids(k, ids, rows, table, width);
    CpuMemory o = cpu(k, "out", out, (long) rows * width);
    embedding.forward(ids, rows, t.floats(), offset(table), width, o.floats(), offset(out),
        accumulate);
  }

  @Override
  public void embeddingBackward(int[] ids, int rows, Slice dOut, int width, Slice dTable) {
    open();
    String k = "embeddingBackward";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "width", width);
    KernelArguments.host(k, "ids", ids.length, 0, rows);
    CpuMemory t = cpu(k, "dTable", dTable, width);
    KernelArguments.ids(k, ids, rows, dTable, width);
    CpuMemory d = cpu(k, "dOut", dOut, (long) rows * width);
    embedding.backward(ids, rows, d.floats(), offset(dOut), width, t.floats(), offset(dTable));
  }

  @Override
  public void linear(Slice x, int xStride, Slice w, Slice bias, Activation activation, Slice pre,
      Slice out, int rows, int in, int outWidth) {
    open();
    String k = "linear";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "in", in);
    KernelArguments.positive(k, "out", outWidth);
    KernelArguments.stride(k, "xStride", xStride, in);
    CpuMemory xm = cpu(k, "x", x, KernelArguments.extent(rows, xStride, in));
    CpuMemory wm = cpu(k, "w", w, (long) outWidth * in);
    CpuMemory bm = bias == null ? null : cpu(k, "bias", bias, outWidth);
    CpuMemory pm = cpu(k, "pre", pre, (long) rows * outWidth);
    CpuMemory om = cpu(k, "out", out, (long) rows * outWidth);
    linear.forward(xm, offset(x), xStride, wm, offset(w), bm, bias == null ? 0 : offset(bias),
        activation, pm, offset(pre), om, offset(out), rows, in, outWidth);
  }

  @Override
  public void linearBackward(Slice dPre, Slice x, int xStride, Slice w, Slice dx, int dxStride,
      boolean accumulateDx, Slice dw, Slice dBias, int rows, int in, int outWidth) {
    open();
    String k = "linearBackward";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "in", in);
    KernelArguments.positive(k, "out", outWidth);
    KernelArguments.stride(k, "xStride", xStride, in);
    CpuMemory dp = cpu(k, "dPre", dPre, (long) rows * outWidth);
    CpuMemory xm = cpu(k, "x", x, KernelArguments.extent(rows, xStride, in));
    CpuMemory wm = cpu(k, "w", w, (long) outWidth * in);
    CpuMemory dxm = null;
    if (dx != null) {
      KernelArguments.stride(k, "dxStride", dxStride, in);
      dxm = cpu(k, "dx", dx, KernelArguments.extent(rows, dxStride, in));
    }
    CpuMemory dwm = cpu(k, "dw", dw, (long) outWidth * in);
    CpuMemory dbm = dBias == null ? null : cpu(k, "dBias", dBias, outWidth);
    linear.backward(dp, offset(dPre), xm, offset(x), xStride, wm, offset(w), dxm,
        dx == null ? 0 : offset(dx), dxStride, accumulateDx, dwm, offset(dw), dbm,
        dBias == null ? 0 : offset(dBias), rows, in, outWidth);
  }

  @Override
  public void activationBackward(Activation activation, Slice pre, Slice dOut, Slice dPre,
      long count) {
    open();
    String k = "activationBackward";
    KernelArguments.nonNegative(k, "count", count);
    CpuMemory p = cpu(k, "pre", pre, count);
    CpuMemory d = cpu(k, "dOut", dOut, count);
    CpuMemory dp = cpu(k, "dPre", dPre, count);
    activations.derivative(activation, p.floats(), offset(pre), d.floats(), offset(dOut),
        dp.floats(), offset(dPre), count);
  }

  @Override
  public void layerNorm(Slice x, Slice residual, Slice gamma, Slice beta, float eps, Slice out,
      Slice mean, Slice rstd, int rows, int width) {
    open();
    String k = "layerNorm";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "width", width);
    long size = (long) rows * width;
    CpuMemory xm = cpu(k, "x", x, size);
    CpuMemory rm = residual == null ? null : cpu(k, "residual", residual, size);
    CpuMemory gm = cpu(k, "gamma", gamma, width);
    CpuMemory bm = cpu(k, "beta", beta, width);
    CpuMemory om = cpu(k, "out", out, size);
    CpuMemory mm = cpu(k, "mean", mean, rows);
    CpuMemory sm = cpu(k, "rstd", rstd, rows);
    layerNorm.forward(xm.floats(), offset(x), rm == null ? null : rm.floats(),
        rm == null ? 0 : offset(residual), gm.floats(), offset(gamma), bm.floats(), offset(beta),
        eps, om.floats(), offset(out), mm.floats(), offset(mean), sm.floats(), offset(rstd), rows,
        width);
  }

  @Override
  public void layerNormBackward(Slice dOut, Slice h, Slice mean, Slice rstd, Slice gamma, Slice dH,
      Slice dGamma, Slice dBeta, int rows, int width) {
    open();
    String k = "layerNormBackward";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "width", width);
    long size = (long) rows * width;
    CpuMemory dom = cpu(k, "dOut", dOut, size);
    CpuMemory hm = cpu(k, "h", h, size);
    CpuMemory mm = cpu(k, "mean", mean, rows);
    CpuMemory sm = cpu(k, "rstd", rstd, rows);
    CpuMemory gm = cpu(k, "gamma", gamma, width);
    CpuMemory dhm = cpu(k, "dH", dH, size);
    CpuMemory dgm = cpu(k, "dGamma", dGamma, width);
    CpuMemory dbm = cpu(k, "dBeta", dBeta, width);
    layerNorm.backward(dom.floats(), offset(dOut), hm.floats(), offset(h), mm.floats(),
        offset(mean), sm.floats(), offset(rstd), gm.floats(), offset(gamma), dhm.floats(),
        offset(dH), dgm.floats(), offset(dGamma), dbm.floats(), offset(dBeta), rows, width);
  }

  @Override
  public void attention(AttentionShape shape, Mask mask, int[] tokenIds, int[] segmentIds, Slice q,
      Slice k, Slice v, Slice probs, Slice ctx, float dropout, long seed) {
    open();
    String kn = "attention";
    KernelArguments.rate(kn, dropout);
    int tokens = shape.batch() * shape.seq();
    KernelArguments.host(kn, "tokenIds", tokenIds.length, 0, tokens);
    if (mask == Mask.UNILM) {
      if (segmentIds == null) {
        throw new IllegalArgumentException(kn + ": mask UNILM needs segmentIds");
      }
      KernelArguments.host(kn, "segmentIds", segmentIds.length, 0, tokens);
    }
    long qk = (long) tokens * shape.qkWidth();
    long vs = (long) tokens * shape.vWidth();
    CpuMemory qm = cpu(kn, "q", q, qk);
    CpuMemory km = cpu(kn, "k", k, qk);
    CpuMemory vm = cpu(kn, "v", v, vs);
    CpuMemory pm = cpu(kn, "probs", probs, probsSize(shape));
    CpuMemory cm = cpu(kn, "ctx", ctx, vs);
    attention.forward(shape.batch(), shape.seq(), shape.heads(), shape.keySize(), shape.headSize(),
        shape.scale(), mask == null ? Mask.NONE : mask, tokenIds, segmentIds, qm, offset(q), km,
        offset(k), vm, offset(v), pm, offset(probs), cm, offset(ctx), dropout, seed);
  }

  @Override
  public void attentionBackward(AttentionShape shape, Mask mask, int[] tokenIds, int[] segmentIds,
      Slice q, Slice k, Slice v, Slice probs, Slice dCtx, Slice dq, Slice dk, Slice dv, float dropout,
      long seed) {
    open();
    String kn = "attentionBackward";
    KernelArguments.rate(kn, dropout);
    int tokens = shape.batch() * shape.seq();
    KernelArguments.host(kn, "tokenIds", tokenIds.length, 0, tokens);
    if (mask == Mask.UNILM) {
      KernelArguments.host(kn, "segmentIds", segmentIds.length, 0, tokens);
    }
    long qk = (long) tokens * shape.qkWidth();
    long vs = (long) tokens * shape.vWidth();
    CpuMemory qm = cpu(kn, "q", q, qk);
    CpuMemory km = cpu(kn, "k", k, qk);
    CpuMemory vm = cpu(kn, "v", v, vs);
    CpuMemory pm = cpu(kn, "probs", probs, probsSize(shape));
    CpuMemory dcm = cpu(kn, "dCtx", dCtx, vs);
    CpuMemory dqm = cpu(kn, "dq", dq, qk);
    CpuMemory dkm = cpu(kn, "dk", dk, qk);
    CpuMemory dvm = cpu(kn, "dv", dv, vs);
    attention.backward(shape.batch(), shape.seq(), shape.heads(), shape.keySize(),
        shape.headSize(), shape.scale(), mask == null ? Mask.NONE : mask, tokenIds, segmentIds, qm,
        offset(q), km, offset(k), vm, offset(v), pm, offset(probs), dcm, offset(dCtx), dqm,
        offset(dq), dkm, offset(dk), dvm, offset(dv), dropout, seed);
  }

  private static long probsSize(AttentionShape shape) {
    return (long) shape.batch() * shape.heads() * shape.seq() * shape.seq();
  }

  @Override
  public void dropout(Slice x, Slice out, long count, float p, long seed) {
    open();
    String k = "dropout";
    KernelArguments.rate(k, p);
    KernelArguments.nonNegative(k, "count", count);
    CpuMemory xm = cpu(k, "x", x, count);
    CpuMemory om = cpu(k, "out", out, count);
    dropout.apply(xm.floats(), offset(x), om.floats(), offset(out), count, p, seed);
  }

  @Override
  public void dropoutBackward(Slice dOut, Slice dx, long count, float p, long seed) {
    open();
    String k = "dropoutBackward";
    KernelArguments.rate(k, p);
    KernelArguments.nonNegative(k, "count", count);
    CpuMemory dom = cpu(k, "dOut", dOut, count);
    CpuMemory dxm = cpu(k, "dx", dx, count);
    dropout.apply(dom.floats(), offset(dOut), dxm.floats(), offset(dx), count, p, seed);
  }

  @Override
  public double softmaxCrossEntropy(Slice logits, int[] targets, int rows, int classes,
      Slice dLogits, float gradScale) {
    open();
    String k = "softmaxCrossEntropy";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "classes", classes);
    KernelArguments.host(k, "targets", targets.length, 0, rows);
    for (int r = 0; r < rows; r++) {
      if (targets[r] < -1 || targets[r] >= classes) {
        throw new IllegalArgumentException(k + ": targets[" + r + "] = " + targets[r]
            + " is outside [-1, " + classes + ")");
      }
    }
    long size = (long) rows * classes;
    CpuMemory lm = cpu(k, "logits", logits, size);
    CpuMemory dm = cpu(k, "dLogits", dLogits, size);
    return crossEntropy.run(lm.floats(), offset(logits), targets, rows, classes, dm.floats(),
        offset(dLogits), gradScale);
  }

  @Override
  public void optimizerStep(BoundOptimizer optimizer, Slice params, Slice grads, Slice[] state,
      long call) {
    open();
    String k = "optimizerStep";
    int n = optimizer.size();
    FloatBuffer p = from(cpu(k, "params", params, n).floats(), params);
    FloatBuffer g = from(cpu(k, "grads", grads, n).floats(), grads);
    if (state == null || state.length != optimizerState.length) {
      throw new IllegalArgumentException(k + ": state needs one slice per StateRegion ("
          + optimizerState.length + ")");
    }
    try {
      for (int r = 0; r < StateRegion.COUNT; r++) {
        long floats = optimizer.regionFloats(StateRegion.of(r));
        Slice slice = state[r];
        optimizerState[r] = floats == 0 ? null
            : from(cpu(k, STATE_NAMES[r], slice, floats).floats(), slice);
      }
      optimizer.applyOnHost(p, g, optimizerState, call, optimizerThreads);
    } finally {
      Arrays.fill(optimizerState, null);
    }
  }

  /** The buffer seen from {@code slice}'s offset on, indexed from 0 (itself at offset 0). */
  private static FloatBuffer from(FloatBuffer buffer, Slice slice) {
    return slice.offset() == 0 ? buffer : buffer.duplicate().position(offset(slice)).slice();
  }

  /** The worker pool as the optimizer's parallel-for, without allocating per call. */
  private static final class OptimizerThreads implements HostParallel {
    private final ParallelRows pool;
    private RangeTask current;
    private final ParallelRows.Task bridge = (thread, from, to) -> current.run(thread, from, to);

    OptimizerThreads(ParallelRows pool) {
      this.pool = pool;
    }

    @Override
    public int threads() {
      return pool.threads();
    }

    @Override
    public void forEach(int count, long costPerTask, RangeTask task) {
      current = task;
      try {
        pool.run(count, costPerTask, bridge);
      } finally {
        current = null;
      }
    }
  }

  /** Stops the worker threads; memory stays usable until closed itself. */
  /** The CPU memory behind {@code slice}, checked to hold {@code extent} floats. */
  private static CpuMemory cpu(String kernel, String name, Slice slice, long extent) {
    return KernelArguments.memory(kernel, name, slice, extent, CpuMemory.class);
  }

  @Override
  public void close() {
    closed = true;
    pool.close();
  }

  private void open() {
    if (closed) {
      throw new IllegalStateException(name() + " used after close()");
    }
  }

  /** A checked slice's offset; CPU memory never exceeds int indices. */
  private static int offset(Slice slice) {
    return (int) slice.offset();
  }
}
