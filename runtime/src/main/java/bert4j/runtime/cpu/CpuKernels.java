package bert4j.runtime.cpu;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import bert4j.runtime.optim.BoundOptimizer;
import bert4j.runtime.optim.HostParallel;
import bert4j.runtime.optim.StateRegion;
import java.nio.FloatBuffer;

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
    Args.host("write", "source", source.length, sourceOffset, count);
    CpuMemory t = Args.memory("write", "target", target, count);
    t.floats().put(offset(target), source, sourceOffset, count);
  }

  @Override
  public void read(Slice source, float[] target, int targetOffset, int count) {
    open();
    Args.host("read", "target", target.length, targetOffset, count);
    CpuMemory s = Args.memory("read", "source", source, count);
    s.floats().get(offset(source), target, targetOffset, count);
  }

  @Override
  public void fill(Slice target, long count, float value) {
    open();
    Args.nonNegative("fill", "count", count);
    FloatBuffer t = Args.memory("fill", "target", target, count).floats();
    int off = offset(target);
    float[] chunk = scratch[0].a;
    java.util.Arrays.fill(chunk, value);
    for (long done = 0; done < count; done += Scratch.CHUNK) {
      int n = (int) Math.min(Scratch.CHUNK, count - done);
      t.put(off + (int) done, chunk, 0, n);
    }
  }

  @Override
  public void embedding(int[] ids, int rows, Slice table, int width, Slice out, boolean accumulate) {
    open();
    String k = "embedding";
    Args.nonNegative(k, "rows", rows);
    Args.positive(k, "width", width);
    Args.host(k, "ids", ids.length, 0, rows);
    CpuMemory t = Args.memory(k, "table", table, width);
    checkIds(k, ids, rows, t, table, width);
    CpuMemory o = Args.memory(k, "out", out, (long) rows * width);
    embedding.forward(ids, rows, t.floats(), offset(table), width, o.floats(), offset(out),
        accumulate);
  }

  @Override
  public void embeddingBackward(int[] ids, int rows, Slice dOut, int width, Slice dTable) {
    open();
    String k = "embeddingBackward";
    Args.nonNegative(k, "rows", rows);
    Args.positive(k, "width", width);
    Args.host(k, "ids", ids.length, 0, rows);
    CpuMemory t = Args.memory(k, "dTable", dTable, width);
    checkIds(k, ids, rows, t, dTable, width);
    CpuMemory d = Args.memory(k, "dOut", dOut, (long) rows * width);
    embedding.backward(ids, rows, d.floats(), offset(dOut), width, t.floats(), offset(dTable));
  }

  /** Every id must name a row that lies inside the table's memory. */
  private static void checkIds(String kernel, int[] ids, int rows, CpuMemory memory, Slice table,
      int width) {
    long tableRows = (memory.size() - table.offset()) / width;
    for (int r = 0; r < rows; r++) {
      if (ids[r] < 0 || ids[r] >= tableRows) {
        throw new IllegalArgumentException(kernel + ": ids[" + r + "] = " + ids[r]
            + " is outside the table's " + tableRows + " rows of width " + width);
      }
    }
  }

  @Override
  public void linear(Slice x, int xStride, Slice w, Slice bias, Activation activation, Slice pre,
      Slice out, int rows, int in, int outWidth) {
    open();
    String k = "linear";
    Args.nonNegative(k, "rows", rows);
    Args.positive(k, "in", in);
    Args.positive(k, "out", outWidth);
    Args.stride(k, "xStride", xStride, in);
    CpuMemory xm = Args.memory(k, "x", x, Args.extent(rows, xStride, in));
    CpuMemory wm = Args.memory(k, "w", w, (long) outWidth * in);
    CpuMemory bm = bias == null ? null : Args.memory(k, "bias", bias, outWidth);
    CpuMemory pm = Args.memory(k, "pre", pre, (long) rows * outWidth);
    CpuMemory om = Args.memory(k, "out", out, (long) rows * outWidth);
    linear.forward(xm, offset(x), xStride, wm, offset(w), bm, bias == null ? 0 : offset(bias),
        activation, pm, offset(pre), om, offset(out), rows, in, outWidth);
  }

  @Override
  public void linearBackward(Slice dPre, Slice x, int xStride, Slice w, Slice dx, int dxStride,
      boolean accumulateDx, Slice dw, Slice dBias, int rows, int in, int outWidth) {
    open();
    String k = "linearBackward";
    Args.nonNegative(k, "rows", rows);
    Args.positive(k, "in", in);
    Args.positive(k, "out", outWidth);
    Args.stride(k, "xStride", xStride, in);
    CpuMemory dp = Args.memory(k, "dPre", dPre, (long) rows * outWidth);
    CpuMemory xm = Args.memory(k, "x", x, Args.extent(rows, xStride, in));
    CpuMemory wm = Args.memory(k, "w", w, (long) outWidth * in);
    CpuMemory dxm = null;
    if (dx != null) {
      Args.stride(k, "dxStride", dxStride, in);
      dxm = Args.memory(k, "dx", dx, Args.extent(rows, dxStride, in));
    }
    CpuMemory dwm = Args.memory(k, "dw", dw, (long) outWidth * in);
    CpuMemory dbm = dBias == null ? null : Args.memory(k, "dBias", dBias, outWidth);
    linear.backward(dp, offset(dPre), xm, offset(x), xStride, wm, offset(w), dxm,
        dx == null ? 0 : offset(dx), dxStride, accumulateDx, dwm, offset(dw), dbm,
        dBias == null ? 0 : offset(dBias), rows, in, outWidth);
  }

  @Override
  public void activationBackward(Activation activation, Slice pre, Slice dOut, Slice dPre,
      long count) {
    open();
    String k = "activationBackward";
    Args.nonNegative(k, "count", count);
    CpuMemory p = Args.memory(k, "pre", pre, count);
    CpuMemory d = Args.memory(k, "dOut", dOut, count);
    CpuMemory dp = Args.memory(k, "dPre", dPre, count);
    activations.derivative(activation, p.floats(), offset(pre), d.floats(), offset(dOut),
        dp.floats(), offset(dPre), count);
  }

  @Override
  public void layerNorm(Slice x, Slice residual, Slice gamma, Slice beta, float eps, Slice out,
      Slice mean, Slice rstd, int rows, int width) {
    open();
    String k = "layerNorm";
    Args.nonNegative(k, "rows", rows);
    Args.positive(k, "width", width);
    long size = (long) rows * width;
    CpuMemory xm = Args.memory(k, "x", x, size);
    CpuMemory rm = residual == null ? null : Args.memory(k, "residual", residual, size);
    CpuMemory gm = Args.memory(k, "gamma", gamma, width);
    CpuMemory bm = Args.memory(k, "beta", beta, width);
    CpuMemory om = Args.memory(k, "out", out, size);
    CpuMemory mm = Args.memory(k, "mean", mean, rows);
    CpuMemory sm = Args.memory(k, "rstd", rstd, rows);
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
    Args.nonNegative(k, "rows", rows);
    Args.positive(k, "width", width);
    long size = (long) rows * width;
    CpuMemory dom = Args.memory(k, "dOut", dOut, size);
    CpuMemory hm = Args.memory(k, "h", h, size);
    CpuMemory mm = Args.memory(k, "mean", mean, rows);
    CpuMemory sm = Args.memory(k, "rstd", rstd, rows);
    CpuMemory gm = Args.memory(k, "gamma", gamma, width);
    CpuMemory dhm = Args.memory(k, "dH", dH, size);
    CpuMemory dgm = Args.memory(k, "dGamma", dGamma, width);
    CpuMemory dbm = Args.memory(k, "dBeta", dBeta, width);
    layerNorm.backward(dom.floats(), offset(dOut), hm.floats(), offset(h), mm.floats(),
        offset(mean), sm.floats(), offset(rstd), gm.floats(), offset(gamma), dhm.floats(),
        offset(dH), dgm.floats(), offset(dGamma), dbm.floats(), offset(dBeta), rows, width);
  }

  @Override
  public void attention(AttentionShape shape, Mask mask, int[] tokenIds, int[] segmentIds, Slice q,
      Slice k, Slice v, Slice probs, Slice ctx, float dropout, long seed) {
    open();
    String kn = "attention";
    Args.rate(kn, dropout);
    int tokens = shape.batch() * shape.seq();
    Args.host(kn, "tokenIds", tokenIds.length, 0, tokens);
    if (mask == Mask.UNILM) {
      if (segmentIds == null) {
        throw new IllegalArgumentException(kn + ": mask UNILM needs segmentIds");
      }
      Args.host(kn, "segmentIds", segmentIds.length, 0, tokens);
    }
    long qk = (long) tokens * shape.qkWidth();
    long vs = (long) tokens * shape.vWidth();
    CpuMemory qm = Args.memory(kn, "q", q, qk);
    CpuMemory km = Args.memory(kn, "k", k, qk);
    CpuMemory vm = Args.memory(kn, "v", v, vs);
    CpuMemory pm = Args.memory(kn, "probs", probs, probsSize(shape));
    CpuMemory cm = Args.memory(kn, "ctx", ctx, vs);
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
    Args.rate(kn, dropout);
    int tokens = shape.batch() * shape.seq();
    Args.host(kn, "tokenIds", tokenIds.length, 0, tokens);
    if (mask == Mask.UNILM) {
      Args.host(kn, "segmentIds", segmentIds.length, 0, tokens);
    }
    long qk = (long) tokens * shape.qkWidth();
    long vs = (long) tokens * shape.vWidth();
    CpuMemory qm = Args.memory(kn, "q", q, qk);
    CpuMemory km = Args.memory(kn, "k", k, qk);
    CpuMemory vm = Args.memory(kn, "v", v, vs);
    CpuMemory pm = Args.memory(kn, "probs", probs, probsSize(shape));
    CpuMemory dcm = Args.memory(kn, "dCtx", dCtx, vs);
    CpuMemory dqm = Args.memory(kn, "dq", dq, qk);
    CpuMemory dkm = Args.memory(kn, "dk", dk, qk);
    CpuMemory dvm = Args.memory(kn, "dv", dv, vs);
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
    Args.rate(k, p);
    Args.nonNegative(k, "count", count);
    CpuMemory xm = Args.memory(k, "x", x, count);
    CpuMemory om = Args.memory(k, "out", out, count);
    dropout.apply(xm.floats(), offset(x), om.floats(), offset(out), count, p, seed);
  }

  @Override
  public void dropoutBackward(Slice dOut, Slice dx, long count, float p, long seed) {
    open();
    String k = "dropoutBackward";
    Args.rate(k, p);
    Args.nonNegative(k, "count", count);
    CpuMemory dom = Args.memory(k, "dOut", dOut, count);
    CpuMemory dxm = Args.memory(k, "dx", dx, count);
    dropout.apply(dom.floats(), offset(dOut), dxm.floats(), offset(dx), count, p, seed);
  }

  @Override
  public double softmaxCrossEntropy(Slice logits, int[] targets, int rows, int classes,
      Slice dLogits, float gradScale) {
    open();
    String k = "softmaxCrossEntropy";
    Args.nonNegative(k, "rows", rows);
    Args.positive(k, "classes", classes);
    Args.host(k, "targets", targets.length, 0, rows);
    for (int r = 0; r < rows; r++) {
      if (targets[r] < -1 || targets[r] >= classes) {
        throw new IllegalArgumentException(k + ": targets[" + r + "] = " + targets[r]
            + " is outside [-1, " + classes + ")");
      }
    }
    long size = (long) rows * classes;
    CpuMemory lm = Args.memory(k, "logits", logits, size);
    CpuMemory dm = Args.memory(k, "dLogits", dLogits, size);
    return crossEntropy.run(lm.floats(), offset(logits), targets, rows, classes, dm.floats(),
        offset(dLogits), gradScale);
  }

  @Override
  public void optimizerStep(BoundOptimizer optimizer, Slice params, Slice grads, Slice[] state,
      long call) {
    open();
    String k = "optimizerStep";
    int n = optimizer.size();
    FloatBuffer p = from(Args.memory(k, "params", params, n).floats(), params);
    FloatBuffer g = from(Args.memory(k, "grads", grads, n).floats(), grads);
    if (state == null || state.length != optimizerState.length) {
      throw new IllegalArgumentException(k + ": state needs one slice per StateRegion ("
          + optimizerState.length + ")");
    }
    try {
      for (int r = 0; r < StateRegion.COUNT; r++) {
        long floats = optimizer.regionFloats(StateRegion.of(r));
        Slice slice = state[r];
        optimizerState[r] = floats == 0 ? null
            : from(Args.memory(k, STATE_NAMES[r], slice, floats).floats(), slice);
      }
      optimizer.applyOnHost(p, g, optimizerState, call, optimizerThreads);
    } finally {
      java.util.Arrays.fill(optimizerState, null);
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
