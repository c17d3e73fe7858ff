package bert4j.runtime.kernels;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.runtime.optim.BoundOptimizer;
import bert4j.runtime.optim.OptimizerStep;
import bert4j.runtime.optim.StateRegion;
import java.util.stream.IntStream;

/**
 * A backend whose kernels run on checked arguments. The sizes each kernel needs are part of the
 * {@link Kernels} contract, so they are checked here, once for every backend: each public kernel
 * method checks that the backend is open, then its counts, widths, strides, rates, host arrays and
 * the extent of every slice (with {@link KernelArguments}, whose messages name the kernel, the
 * argument and the sizes), and then calls its protected {@code do*} counterpart with the same
 * arguments, every slice now known to lie in memory of type {@code M}. A backend adds checks of its
 * own in {@link #checkMemory} and in its {@code do*} methods. The checks allocate nothing on
 * success.
 *
 * @param <M> the backend's memory
 */
public abstract class CheckedKernels<M extends Memory> implements Kernels {
  private static final String[] STATE_NAMES = IntStream.range(0, StateRegion.COUNT)
      .mapToObj(r -> "state " + StateRegion.of(r)).toArray(String[]::new);

  private final Class<M> memoryType;

  /** A backend whose slices must point into memory of {@code memoryType}. */
  protected CheckedKernels(Class<M> memoryType) {
    this.memoryType = memoryType;
  }

  /** Throws an {@link IllegalStateException} once the backend is closed. */
  protected abstract void requireOpen();

  /**
   * A backend's own check of memory already of its type and large enough for {@code extent} floats
   * from {@code offset}, such as which backend owns it or how its memory is addressed; none by
   * default.
   */
  protected void checkMemory(String kernel, String name, M memory, long offset, long extent) {}

  @Override
  public final void write(float[] source, int sourceOffset, Slice target, int count) {
    requireOpen();
    KernelArguments.host("write", "source", source.length, sourceOffset, count);
    checkSlice("write", "target", target, count);
    doWrite(source, sourceOffset, target, count);
  }

  @Override
  public final void read(Slice source, float[] target, int targetOffset, int count) {
    requireOpen();
    KernelArguments.host("read", "target", target.length, targetOffset, count);
    checkSlice("read", "source", source, count);
    doRead(source, target, targetOffset, count);
  }

  @Override
  public final void fill(Slice target, long count, float value) {
    requireOpen();
    KernelArguments.nonNegative("fill", "count", count);
    checkSlice("fill", "target", target, count);
    doFill(target, count, value);
  }

  @Override
  public final void embedding(int[] ids, int rows, Slice table, int width, Slice out,
      boolean accumulate) {
    requireOpen();
    String k = "embedding";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "width", width);
    KernelArguments.host(k, "ids", ids.length, 0, rows);
    checkSlice(k, "table", table, width);
    KernelArguments.ids(k, ids, rows, table, width);
    checkSlice(k, "out", out, (long) rows * width);
    doEmbedding(ids, rows, table, width, out, accumulate);
  }

  @Override
  public final void embeddingBackward(int[] ids, int rows, Slice dOut, int width, Slice dTable) {
    requireOpen();
    String k = "embeddingBackward";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "width", width);
    KernelArguments.host(k, "ids", ids.length, 0, rows);
    checkSlice(k, "dTable", dTable, width);
    KernelArguments.ids(k, ids, rows, dTable, width);
    checkSlice(k, "dOut", dOut, (long) rows * width);
    doEmbeddingBackward(ids, rows, dOut, width, dTable);
  }

  @Override
  public final void hierarchicalPositions(int batch, int seq, Slice table, int rows, int width,
      float alpha, Slice out) {
    requireOpen();
    String k = "hierarchicalPositions";
    checkHierarchical(k, batch, seq, rows, width, alpha);
    checkSlice(k, "table", table, (long) rows * width);
    checkSlice(k, "out", out, (long) batch * seq * width);
    doHierarchicalPositions(batch, seq, table, rows, width, alpha, out);
  }

  @Override
  public final void hierarchicalPositionsBackward(int batch, int seq, Slice dOut, int rows,
      int width, float alpha, Slice dTable) {
    requireOpen();
    String k = "hierarchicalPositionsBackward";
    checkHierarchical(k, batch, seq, rows, width, alpha);
    checkSlice(k, "dOut", dOut, (long) batch * seq * width);
    checkSlice(k, "dTable", dTable, (long) rows * width);
    doHierarchicalPositionsBackward(batch, seq, dOut, rows, width, alpha, dTable);
  }

  @Override
  public final void linearWeight(Slice w, int in, int outWidth) {
    requireOpen();
    String k = "linearWeight";
    KernelArguments.positive(k, "in", in);
    KernelArguments.positive(k, "out", outWidth);
    checkSlice(k, "w", w, (long) outWidth * in);
    doLinearWeight(w, in, outWidth);
  }

  @Override
  public final void linearIntermediate(Slice hidden, int width) {
    requireOpen();
    String k = "linearIntermediate";
    KernelArguments.positive(k, "width", width);
    checkSlice(k, "hidden", hidden, width);
    doLinearIntermediate(hidden, width);
  }

  @Override
  public final void linear(Slice x, int xStride, Slice w, Slice bias, Activation activation,
      Slice pre, Slice out, int rows, int in, int outWidth) {
    requireOpen();
    String k = "linear";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "in", in);
    KernelArguments.positive(k, "out", outWidth);
    KernelArguments.stride(k, "xStride", xStride, in);
    checkSlice(k, "x", x, KernelArguments.extent(rows, xStride, in));
    checkSlice(k, "w", w, (long) outWidth * in);
    if (bias != null) {
      checkSlice(k, "bias", bias, outWidth);
    }
    checkSlice(k, "pre", pre, (long) rows * outWidth);
    checkSlice(k, "out", out, (long) rows * outWidth);
    doLinear(x, xStride, w, bias, activation, pre, out, rows, in, outWidth);
  }

  @Override
  public final void linearBackward(Slice dPre, Slice x, int xStride, Slice w, Slice dx,
      int dxStride, boolean accumulateDx, Slice dw, Slice dBias, boolean accumulateParams,
      int rows, int in, int outWidth) {
    requireOpen();
    String k = "linearBackward";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "in", in);
    KernelArguments.positive(k, "out", outWidth);
    KernelArguments.stride(k, "xStride", xStride, in);
    checkSlice(k, "dPre", dPre, (long) rows * outWidth);
    checkSlice(k, "x", x, KernelArguments.extent(rows, xStride, in));
    checkSlice(k, "w", w, (long) outWidth * in);
    if (dx != null) {
      KernelArguments.stride(k, "dxStride", dxStride, in);
      checkSlice(k, "dx", dx, KernelArguments.extent(rows, dxStride, in));
    }
    checkSlice(k, "dw", dw, (long) outWidth * in);
    if (dBias != null) {
      checkSlice(k, "dBias", dBias, outWidth);
    }
    doLinearBackward(dPre, x, xStride, w, dx, dxStride, accumulateDx, dw, dBias, accumulateParams,
        rows, in, outWidth);
  }

  @Override
  public final void activationBackward(Activation activation, Slice pre, Slice dOut, Slice dPre,
      long count) {
    requireOpen();
    String k = "activationBackward";
    KernelArguments.nonNegative(k, "count", count);
    checkSlice(k, "pre", pre, count);
    checkSlice(k, "dOut", dOut, count);
    checkSlice(k, "dPre", dPre, count);
    doActivationBackward(activation, pre, dOut, dPre, count);
  }

  @Override
  public final void layerNorm(Slice x, Slice residual, Slice gamma, Slice beta, float eps,
      Slice out, Slice mean, Slice rstd, int rows, int width) {
    requireOpen();
    String k = "layerNorm";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "width", width);
    long size = (long) rows * width;
    checkSlice(k, "x", x, size);
    if (residual != null) {
      checkSlice(k, "residual", residual, size);
    }
    checkSlice(k, "gamma", gamma, width);
    checkSlice(k, "beta", beta, width);
    checkSlice(k, "out", out, size);
    checkSlice(k, "mean", mean, rows);
    checkSlice(k, "rstd", rstd, rows);
    doLayerNorm(x, residual, gamma, beta, eps, out, mean, rstd, rows, width);
  }

  @Override
  public final void layerNormBackward(Slice dOut, Slice h, Slice mean, Slice rstd, Slice gamma,
      Slice dH, Slice dGamma, Slice dBeta, int rows, int width) {
    requireOpen();
    String k = "layerNormBackward";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "width", width);
    long size = (long) rows * width;
    checkSlice(k, "dOut", dOut, size);
    checkSlice(k, "h", h, size);
    checkSlice(k, "mean", mean, rows);
    checkSlice(k, "rstd", rstd, rows);
    checkSlice(k, "gamma", gamma, width);
    checkSlice(k, "dH", dH, size);
    checkSlice(k, "dGamma", dGamma, width);
    checkSlice(k, "dBeta", dBeta, width);
    doLayerNormBackward(dOut, h, mean, rstd, gamma, dH, dGamma, dBeta, rows, width);
  }

  @Override
  public final void conditionalLayerNorm(Slice x, Slice residual, Slice gammas, Slice betas,
      float eps, Slice out, Slice mean, Slice rstd, int batch, int seq, int width) {
    requireOpen();
    String k = "conditionalLayerNorm";
    checkSequences(k, batch, seq, width);
    long rows = (long) batch * seq;
    long size = rows * width;
    checkSlice(k, "x", x, size);
    if (residual != null) {
      checkSlice(k, "residual", residual, size);
    }
    checkSlice(k, "gammas", gammas, (long) batch * width);
    checkSlice(k, "betas", betas, (long) batch * width);
    checkSlice(k, "out", out, size);
    checkSlice(k, "mean", mean, rows);
    checkSlice(k, "rstd", rstd, rows);
    doConditionalLayerNorm(x, residual, gammas, betas, eps, out, mean, rstd, batch, seq, width);
  }

  @Override
  public final void conditionalLayerNormBackward(Slice dOut, Slice h, Slice mean, Slice rstd,
      Slice gammas, Slice dH, Slice dGammas, Slice dBetas, int batch, int seq, int width) {
    requireOpen();
    String k = "conditionalLayerNormBackward";
    checkSequences(k, batch, seq, width);
    long rows = (long) batch * seq;
    long size = rows * width;
    long perSequence = (long) batch * width;
    checkSlice(k, "dOut", dOut, size);
    checkSlice(k, "h", h, size);
    checkSlice(k, "mean", mean, rows);
    checkSlice(k, "rstd", rstd, rows);
    checkSlice(k, "gammas", gammas, perSequence);
    checkSlice(k, "dH", dH, size);
    checkSlice(k, "dGammas", dGammas, perSequence);
    checkSlice(k, "dBetas", dBetas, perSequence);
    doConditionalLayerNormBackward(dOut, h, mean, rstd, gammas, dH, dGammas, dBetas, batch, seq,
        width);
  }

  @Override
  public final void rmsNorm(Slice x, Slice residual, Slice gamma, float eps, Slice out,
      Slice rstd, int rows, int width) {
    requireOpen();
    String k = "rmsNorm";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "width", width);
    long size = (long) rows * width;
    checkSlice(k, "x", x, size);
    if (residual != null) {
      checkSlice(k, "residual", residual, size);
    }
    if (gamma != null) {
      checkSlice(k, "gamma", gamma, width);
    }
    checkSlice(k, "out", out, size);
    checkSlice(k, "rstd", rstd, rows);
    doRmsNorm(x, residual, gamma, eps, out, rstd, rows, width);
  }

  @Override
  public final void rmsNormBackward(Slice dOut, Slice h, Slice rstd, Slice gamma, Slice dH,
      Slice dGamma, int rows, int width) {
    requireOpen();
    String k = "rmsNormBackward";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "width", width);
    if ((gamma == null) != (dGamma == null)) {
      throw new IllegalArgumentException(k + ": dGamma must be null exactly when gamma is (gamma "
          + (gamma == null ? "null" : "given") + ", dGamma " + (dGamma == null ? "null" : "given")
          + ")");
    }
    long size = (long) rows * width;
    checkSlice(k, "dOut", dOut, size);
    checkSlice(k, "h", h, size);
    checkSlice(k, "rstd", rstd, rows);
    if (gamma != null) {
      checkSlice(k, "gamma", gamma, width);
      checkSlice(k, "dGamma", dGamma, width);
    }
    checkSlice(k, "dH", dH, size);
    doRmsNormBackward(dOut, h, rstd, gamma, dH, dGamma, rows, width);
  }

  @Override
  public final void add(Slice a, Slice b, Slice out, long count) {
    requireOpen();
    String k = "add";
    KernelArguments.nonNegative(k, "count", count);
    checkSlice(k, "a", a, count);
    checkSlice(k, "b", b, count);
    checkSlice(k, "out", out, count);
    doAdd(a, b, out, count);
  }

  @Override
  public final void multiply(Slice a, Slice b, Slice out, long count) {
    requireOpen();
    String k = "multiply";
    KernelArguments.nonNegative(k, "count", count);
    checkSlice(k, "a", a, count);
    checkSlice(k, "b", b, count);
    checkSlice(k, "out", out, count);
    doMultiply(a, b, out, count);
  }

  @Override
  public final void scale(Slice x, float alpha, Slice out, long count) {
    requireOpen();
    String k = "scale";
    KernelArguments.nonNegative(k, "count", count);
    if (!Float.isFinite(alpha)) {
      throw new IllegalArgumentException(k + ": alpha is " + alpha + ", must be finite");
    }
    checkSlice(k, "x", x, count);
    checkSlice(k, "out", out, count);
    doScale(x, alpha, out, count);
  }

  @Override
  public final void rotary(Slice x, int batch, int seq, int heads, int size, boolean inverse) {
    requireOpen();
    String k = "rotary";
    KernelArguments.nonNegative(k, "batch", batch);
    KernelArguments.positive(k, "seq", seq);
    KernelArguments.positive(k, "heads", heads);
    KernelArguments.even(k, "size", size);
    checkSlice(k, "x", x, (long) batch * seq * heads * size);
    doRotary(x, batch, seq, heads, size, inverse);
  }

  @Override
  public final void attention(AttentionShape shape, Mask mask, int[] tokenIds, int[] segmentIds,
      Slice q, Slice k, Slice v, Slice probs, Slice ctx, float dropout, long seed) {
    requireOpen();
    String kn = "attention";
    checkAttention(kn, shape, mask, tokenIds, segmentIds, q, k, v, probs, dropout);
    checkSlice(kn, "ctx", ctx, vSize(shape));
    doAttention(shape, mask, tokenIds, segmentIds, q, k, v, shape.qkWidth(), shape.vWidth(), probs,
        ctx, dropout, seed);
  }

  @Override
  public final void attentionBackward(AttentionShape shape, Mask mask, int[] tokenIds,
      int[] segmentIds, Slice q, Slice k, Slice v, Slice probs, Slice dCtx, Slice dq, Slice dk,
      Slice dv, float dropout, long seed) {
    requireOpen();
    String kn = "attentionBackward";
    checkAttention(kn, shape, mask, tokenIds, segmentIds, q, k, v, probs, dropout);
    checkSlice(kn, "dCtx", dCtx, vSize(shape));
    checkSlice(kn, "dq", dq, qkSize(shape));
    checkSlice(kn, "dk", dk, qkSize(shape));
    checkSlice(kn, "dv", dv, vSize(shape));
    doAttentionBackward(shape, mask, tokenIds, segmentIds, q, k, v, shape.qkWidth(),
        shape.vWidth(), probs, dCtx, dq, dk, dv, dropout, seed);
  }

  @Override
  public final void stackedAttention(AttentionShape shape, Mask mask, int[] tokenIds,
      int[] segmentIds, Slice qkv, Slice probs, Slice ctx, float dropout, long seed) {
    requireOpen();
    String kn = "stackedAttention";
    checkStackedAttention(kn, shape, mask, tokenIds, segmentIds, qkv, probs, dropout);
    checkSlice(kn, "ctx", ctx, vSize(shape));
    int stride = shape.qkvWidth();
    doAttention(shape, mask, tokenIds, segmentIds, qkv, qkv.plus(shape.qkWidth()),
        qkv.plus(2L * shape.qkWidth()), stride, stride, probs, ctx, dropout, seed);
  }

  @Override
  public final void stackedAttentionBackward(AttentionShape shape, Mask mask, int[] tokenIds,
      int[] segmentIds, Slice qkv, Slice probs, Slice dCtx, Slice dQkv, float dropout, long seed) {
    requireOpen();
    String kn = "stackedAttentionBackward";
    checkStackedAttention(kn, shape, mask, tokenIds, segmentIds, qkv, probs, dropout);
    checkSlice(kn, "dCtx", dCtx, vSize(shape));
    checkSlice(kn, "dQkv", dQkv, qkvSize(shape));
    int stride = shape.qkvWidth();
    long k = shape.qkWidth();
    doAttentionBackward(shape, mask, tokenIds, segmentIds, qkv, qkv.plus(k), qkv.plus(2 * k), stride,
        stride, probs, dCtx, dQkv, dQkv.plus(k), dQkv.plus(2 * k), dropout, seed);
  }

  @Override
  public final void rotaryAt(Slice x, int[] positions, int rows, int heads, int size) {
    requireOpen();
    String k = "rotaryAt";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "heads", heads);
    KernelArguments.even(k, "size", size);
    if (positions == null) {
      throw new IllegalArgumentException(k + ": positions is null");
    }
    KernelArguments.host(k, "positions", positions.length, 0, rows);
    for (int r = 0; r < rows; r++) {
      if (positions[r] < 0) {
        throw new IllegalArgumentException(k + ": positions[" + r + "] = " + positions[r]
            + " is negative");
      }
    }
    checkSlice(k, "x", x, (long) rows * heads * size);
    doRotaryAt(x, positions, rows, heads, size);
  }

  @Override
  public final void cachedAttention(AttentionShape shape, int capacity, Mask mask,
      int[] cacheTokens, int[] cacheSegments, int[] starts, Slice q, Slice k, Slice v,
      Slice keyCache, Slice valueCache, Slice ctx) {
    requireOpen();
    String kn = "cachedAttention";
    KernelArguments.positive(kn, "capacity", capacity);
    AttentionShape cache = new AttentionShape(shape.batch(), capacity, shape.heads(),
        shape.keySize(), shape.headSize(), shape.scale());
    checkIds(kn, cache, mask, cacheTokens, cacheSegments);
    if (starts == null) {
      throw new IllegalArgumentException(kn + ": starts is null");
    }
    KernelArguments.host(kn, "starts", starts.length, 0, shape.batch());
    for (int b = 0; b < shape.batch(); b++) {
      if (starts[b] < 0 || starts[b] + shape.seq() > capacity) {
        throw new IllegalArgumentException(kn + ": sequence " + b + " starts at " + starts[b]
            + "; its " + shape.seq() + " new rows must fit the cache's " + capacity
            + " positions");
      }
    }
    checkSlice(kn, "q", q, qkSize(shape));
    checkSlice(kn, "k", k, qkSize(shape));
    checkSlice(kn, "v", v, vSize(shape));
    checkSlice(kn, "keyCache", keyCache, qkSize(cache));
    checkSlice(kn, "valueCache", valueCache, vSize(cache));
    checkSlice(kn, "ctx", ctx, vSize(shape));
    doCachedAttention(shape, capacity, mask == null ? Mask.NONE : mask, cacheTokens,
        cacheSegments, starts, q, k, v, keyCache, valueCache, ctx);
  }

  @Override
  public final void decoderAttention(AttentionShape shape, int capacity, int[] starts,
      int keyLength, int[] keyIds, Slice table, int buckets, int maxDistance, Slice q, Slice k,
      Slice v, Slice keyCache, Slice valueCache, Slice ctx) {
    requireOpen();
    String kn = "decoderAttention";
    KernelArguments.positive(kn, "capacity", capacity);
    AttentionShape cache = new AttentionShape(shape.batch(), capacity, shape.heads(),
        shape.keySize(), shape.headSize(), shape.scale());
    if (starts == null) {
      throw new IllegalArgumentException(kn + ": starts is null");
    }
    KernelArguments.host(kn, "starts", starts.length, 0, shape.batch());
    for (int b = 0; b < shape.batch(); b++) {
      if (starts[b] < 0 || starts[b] + shape.seq() > capacity) {
        throw new IllegalArgumentException(kn + ": sequence " + b + " starts at " + starts[b]
            + "; its " + shape.seq() + " new rows must fit the cache's " + capacity
            + " positions");
      }
    }
    if ((k == null) != (v == null)) {
      throw new IllegalArgumentException(kn + ": give both k and v (self-attention) or neither "
          + "(cross-attention)");
    }
    if (k == null) {
      if (keyLength < 1 || keyLength > capacity) {
        throw new IllegalArgumentException(kn + ": keyLength=" + keyLength + " must be in [1, "
            + "capacity=" + capacity + "]");
      }
      if (keyIds == null) {
        throw new IllegalArgumentException(kn + ": cross-attention needs the encoder's keyIds");
      }
      KernelArguments.host(kn, "keyIds", keyIds.length, 0, (long) shape.batch() * capacity);
    } else {
      checkSlice(kn, "k", k, qkSize(shape));
      checkSlice(kn, "v", v, vSize(shape));
    }
    if (table != null) {
      checkBuckets(kn, buckets, maxDistance, false);
      checkSlice(kn, "table", table, (long) buckets * shape.heads());
    }
    checkSlice(kn, "q", q, qkSize(shape));
    checkSlice(kn, "keyCache", keyCache, qkSize(cache));
    checkSlice(kn, "valueCache", valueCache, vSize(cache));
    checkSlice(kn, "ctx", ctx, vSize(shape));
    doDecoderAttention(shape, capacity, starts, keyLength, keyIds, table, buckets, maxDistance, q,
        k, v, keyCache, valueCache, ctx);
  }

  @Override
  public final void copy(Slice source, Slice target, long count) {
    requireOpen();
    String k = "copy";
    KernelArguments.nonNegative(k, "count", count);
    checkSlice(k, "source", source, count);
    checkSlice(k, "target", target, count);
    KernelArguments.disjoint(k, "source", source, "target", target, count);
    doCopy(source, target, count);
  }

  @Override
  public final void copyColumns(Slice source, int sourceWidth, int sourceColumn, Slice target,
      int targetWidth, int targetColumn, int rows, int width) {
    requireOpen();
    String k = "copyColumns";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.positive(k, "width", width);
    KernelArguments.nonNegative(k, "sourceColumn", sourceColumn);
    KernelArguments.nonNegative(k, "targetColumn", targetColumn);
    columnsInside(k, "source", sourceColumn, width, sourceWidth);
    columnsInside(k, "target", targetColumn, width, targetWidth);
    long sourceExtent = KernelArguments.extent(rows, sourceWidth, sourceWidth);
    long targetExtent = KernelArguments.extent(rows, targetWidth, targetWidth);
    checkSlice(k, "source", source, sourceExtent);
    checkSlice(k, "target", target, targetExtent);
    if (source.memory() == target.memory() && rows > 0
        && source.offset() < target.offset() + targetExtent
        && target.offset() < source.offset() + sourceExtent) {
      throw new IllegalArgumentException(k + ": source (offset " + source.offset() + ", "
          + sourceExtent + " floats) overlaps target (offset " + target.offset() + ", "
          + targetExtent + " floats); they must be apart");
    }
    doCopyColumns(source, sourceWidth, sourceColumn, target, targetWidth, targetColumn, rows,
        width);
  }

  @Override
  public final void attentionScores(AttentionShape shape, Slice q, Slice k, Slice scores) {
    requireOpen();
    String kn = "attentionScores";
    checkSlice(kn, "q", q, qkSize(shape));
    checkSlice(kn, "k", k, qkSize(shape));
    checkSlice(kn, "scores", scores, mapsSize(shape));
    doAttentionScores(shape, q, k, scores);
  }

  @Override
  public final void attentionScoresBackward(AttentionShape shape, Slice q, Slice k, Slice dScores,
      Slice dq, Slice dk) {
    requireOpen();
    String kn = "attentionScoresBackward";
    checkSlice(kn, "q", q, qkSize(shape));
    checkSlice(kn, "k", k, qkSize(shape));
    checkSlice(kn, "dScores", dScores, mapsSize(shape));
    checkSlice(kn, "dq", dq, qkSize(shape));
    checkSlice(kn, "dk", dk, qkSize(shape));
    doAttentionScoresBackward(shape, q, k, dScores, dq, dk);
  }

  @Override
  public final void relativeScores(AttentionShape shape, Slice q, int maxRelative, Slice scores) {
    requireOpen();
    String kn = "relativeScores";
    KernelArguments.positive(kn, "maxRelative", maxRelative);
    checkSlice(kn, "q", q, qkSize(shape));
    checkSlice(kn, "scores", scores, mapsSize(shape));
    doRelativeScores(shape, q, maxRelative, scores);
  }

  @Override
  public final void relativeScoresBackward(AttentionShape shape, Slice dScores, int maxRelative,
      Slice dq) {
    requireOpen();
    String kn = "relativeScoresBackward";
    KernelArguments.positive(kn, "maxRelative", maxRelative);
    checkSlice(kn, "dScores", dScores, mapsSize(shape));
    checkSlice(kn, "dq", dq, qkSize(shape));
    doRelativeScoresBackward(shape, dScores, maxRelative, dq);
  }

  @Override
  public final void relativePositionBias(AttentionShape shape, Slice table, int buckets,
      int maxDistance, boolean bidirectional, Slice scores) {
    requireOpen();
    String kn = "relativePositionBias";
    checkBuckets(kn, buckets, maxDistance, bidirectional);
    checkSlice(kn, "table", table, (long) buckets * shape.heads());
    checkSlice(kn, "scores", scores, mapsSize(shape));
    doRelativePositionBias(shape, table, buckets, maxDistance, bidirectional, scores);
  }

  @Override
  public final void relativePositionBiasBackward(AttentionShape shape, Slice dScores, int buckets,
      int maxDistance, boolean bidirectional, Slice dTable) {
    requireOpen();
    String kn = "relativePositionBiasBackward";
    checkBuckets(kn, buckets, maxDistance, bidirectional);
    checkSlice(kn, "dScores", dScores, mapsSize(shape));
    checkSlice(kn, "dTable", dTable, (long) buckets * shape.heads());
    doRelativePositionBiasBackward(shape, dScores, buckets, maxDistance, bidirectional, dTable);
  }

  /** Buckets that split as {@link RelativeBuckets} needs and a distance past the exact ones. */
  private static void checkBuckets(String kernel, int buckets, int maxDistance,
      boolean bidirectional) {
    int perDirection = bidirectional ? buckets / 2 : buckets;
    if (perDirection < 2 || bidirectional && buckets % 2 != 0) {
      throw new IllegalArgumentException(kernel + ": buckets=" + buckets + " cannot be split "
          + (bidirectional ? "into two directions of at least 2" : "into at least 2"));
    }
    if (maxDistance <= perDirection / 2) {
      throw new IllegalArgumentException(kernel + ": maxDistance=" + maxDistance
          + " must exceed the " + perDirection / 2 + " exact buckets of a direction");
    }
  }

  @Override
  public final void attentionNormalize(AttentionShape shape, Mask mask,
      Normalization normalization, int[] tokenIds, int[] segmentIds, Slice scores, Slice probs) {
    requireOpen();
    String kn = "attentionNormalize";
    checkMask(kn, shape, mask, normalization, tokenIds, segmentIds);
    checkSlice(kn, "scores", scores, mapsSize(shape));
    checkSlice(kn, "probs", probs, mapsSize(shape));
    doAttentionNormalize(shape, mask, normalization, tokenIds, segmentIds, scores, probs);
  }

  /** {@code scores} may be null unless the normalization is SQUARED_RELU, the one that reads them. */
  @Override
  public final void attentionNormalizeBackward(AttentionShape shape, Mask mask,
      Normalization normalization, int[] tokenIds, int[] segmentIds, Slice scores, Slice probs,
      Slice dProbs, Slice dScores) {
    requireOpen();
    String kn = "attentionNormalizeBackward";
    checkMask(kn, shape, mask, normalization, tokenIds, segmentIds);
    if (scores != null || normalization == Normalization.SQUARED_RELU) {
      checkSlice(kn, "scores", scores, mapsSize(shape));
    }
    checkSlice(kn, "probs", probs, mapsSize(shape));
    checkSlice(kn, "dProbs", dProbs, mapsSize(shape));
    checkSlice(kn, "dScores", dScores, mapsSize(shape));
    doAttentionNormalizeBackward(shape, mask, normalization, tokenIds, segmentIds, scores, probs,
        dProbs, dScores);
  }

  @Override
  public final void attentionContext(AttentionShape shape, Slice probs, Slice v, Slice ctx) {
    requireOpen();
    String kn = "attentionContext";
    checkSlice(kn, "probs", probs, mapsSize(shape));
    checkSlice(kn, "v", v, vSize(shape));
    checkSlice(kn, "ctx", ctx, vSize(shape));
    doAttentionContext(shape, probs, v, ctx);
  }

  @Override
  public final void attentionContextBackward(AttentionShape shape, Slice probs, Slice v,
      Slice dCtx, Slice dProbs, Slice dv) {
    requireOpen();
    String kn = "attentionContextBackward";
    checkSlice(kn, "probs", probs, mapsSize(shape));
    checkSlice(kn, "v", v, vSize(shape));
    checkSlice(kn, "dCtx", dCtx, vSize(shape));
    checkSlice(kn, "dProbs", dProbs, mapsSize(shape));
    checkSlice(kn, "dv", dv, vSize(shape));
    doAttentionContextBackward(shape, probs, v, dCtx, dProbs, dv);
  }

  @Override
  public final void relativeContext(AttentionShape shape, Slice probs, int maxRelative,
      Slice ctx) {
    requireOpen();
    String kn = "relativeContext";
    KernelArguments.positive(kn, "maxRelative", maxRelative);
    checkSlice(kn, "probs", probs, mapsSize(shape));
    checkSlice(kn, "ctx", ctx, vSize(shape));
    doRelativeContext(shape, probs, maxRelative, ctx);
  }

  @Override
  public final void relativeContextBackward(AttentionShape shape, Slice dCtx, int maxRelative,
      Slice dProbs) {
    requireOpen();
    String kn = "relativeContextBackward";
    KernelArguments.positive(kn, "maxRelative", maxRelative);
    checkSlice(kn, "dCtx", dCtx, vSize(shape));
    checkSlice(kn, "dProbs", dProbs, mapsSize(shape));
    doRelativeContextBackward(shape, dCtx, maxRelative, dProbs);
  }

  @Override
  public final void mixHeads(AttentionShape shape, Slice x, Slice w, Slice out) {
    requireOpen();
    String kn = "mixHeads";
    long maps = mapsSize(shape);
    checkSlice(kn, "x", x, maps);
    checkSlice(kn, "w", w, (long) shape.heads() * shape.heads());
    checkSlice(kn, "out", out, maps);
    KernelArguments.disjoint(kn, "out", out, "x", x, maps);
    doMixHeads(shape, x, w, out);
  }

  /** dx must not overlap dOut: every dx map reads every dOut map. */
  @Override
  public final void mixHeadsBackward(AttentionShape shape, Slice x, Slice w, Slice dOut, Slice dx,
      Slice dw) {
    requireOpen();
    String kn = "mixHeadsBackward";
    long maps = mapsSize(shape);
    long weights = (long) shape.heads() * shape.heads();
    checkSlice(kn, "x", x, maps);
    checkSlice(kn, "w", w, weights);
    checkSlice(kn, "dOut", dOut, maps);
    checkSlice(kn, "dx", dx, maps);
    checkSlice(kn, "dw", dw, weights);
    KernelArguments.disjoint(kn, "dx", dx, "dOut", dOut, maps);
    doMixHeadsBackward(shape, x, w, dOut, dx, dw);
  }

  @Override
  public final void dropout(Slice x, Slice out, long count, float p, long seed) {
    requireOpen();
    String k = "dropout";
    KernelArguments.rate(k, p);
    KernelArguments.nonNegative(k, "count", count);
    checkSlice(k, "x", x, count);
    checkSlice(k, "out", out, count);
    doDropout(x, out, count, p, seed);
  }

  @Override
  public final void dropoutBackward(Slice dOut, Slice dx, long count, float p, long seed) {
    requireOpen();
    String k = "dropoutBackward";
    KernelArguments.rate(k, p);
    KernelArguments.nonNegative(k, "count", count);
    checkSlice(k, "dOut", dOut, count);
    checkSlice(k, "dx", dx, count);
    doDropoutBackward(dOut, dx, count, p, seed);
  }

  @Override
  public final double softmaxCrossEntropy(Slice logits, int[] targets, int rows, int classes,
      Slice dLogits, float gradScale) {
    requireOpen();
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
    checkSlice(k, "logits", logits, size);
    checkSlice(k, "dLogits", dLogits, size);
    return doSoftmaxCrossEntropy(logits, targets, rows, classes, dLogits, gradScale);
  }

  @Override
  public final double sigmoidCrossEntropy(Slice logits, int[] targets, int rows, Slice dLogits,
      float gradScale) {
    requireOpen();
    String k = "sigmoidCrossEntropy";
    KernelArguments.nonNegative(k, "rows", rows);
    KernelArguments.host(k, "targets", targets.length, 0, rows);
    for (int r = 0; r < rows; r++) {
      if (targets[r] < -1 || targets[r] > 1) {
        throw new IllegalArgumentException(k + ": targets[" + r + "] = " + targets[r]
            + " is not -1 (ignored), 0 or 1");
      }
    }
    checkSlice(k, "logits", logits, rows);
    checkSlice(k, "dLogits", dLogits, rows);
    return doSigmoidCrossEntropy(logits, targets, rows, dLogits, gradScale);
  }

  @Override
  public final double crfLoss(Slice emissions, Slice transitions, int[] tags, int[] tokenIds,
      int batch, int seq, int tagCount, Slice dEmissions, Slice dTransitions, float gradScale) {
    requireOpen();
    checkTagPaths("crfLoss", emissions, transitions, tags, tokenIds, batch, seq, tagCount,
        dEmissions, dTransitions);
    return doCrfLoss(emissions, transitions, tags, tokenIds, batch, seq, tagCount, dEmissions,
        dTransitions, gradScale);
  }

  @Override
  public final double memmLoss(Slice emissions, Slice transitions, int[] tags, int[] tokenIds,
      int batch, int seq, int tagCount, Slice dEmissions, Slice dTransitions, float gradScale) {
    requireOpen();
    checkTagPaths("memmLoss", emissions, transitions, tags, tokenIds, batch, seq, tagCount,
        dEmissions, dTransitions);
    return doMemmLoss(emissions, transitions, tags, tokenIds, batch, seq, tagCount, dEmissions,
        dTransitions, gradScale);
  }

  @Override
  public final void spanMask(Slice logits, Slice bias, Slice scores, int[] tokenIds, int batch,
      int seq, int types, boolean tril) {
    requireOpen();
    checkSpanGrids("spanMask", logits, "logits", bias, "bias", scores, "scores", tokenIds, batch,
        seq, types);
    doSpanMask(logits, bias, scores, tokenIds, batch, seq, types, tril);
  }

  @Override
  public final void spanMaskBackward(Slice dScores, Slice dLogits, Slice dBias, int[] tokenIds,
      int batch, int seq, int types, boolean tril) {
    requireOpen();
    checkSpanGrids("spanMaskBackward", dLogits, "dLogits", dBias, "dBias", dScores, "dScores",
        tokenIds, batch, seq, types);
    doSpanMaskBackward(dScores, dLogits, dBias, tokenIds, batch, seq, types, tril);
  }

  @Override
  public final double spanLoss(Slice scores, int[] spans, int batch, int seq, int types,
      Slice dScores, float gradScale) {
    requireOpen();
    String k = "spanLoss";
    KernelArguments.nonNegative(k, "batch", batch);
    KernelArguments.positive(k, "seq", seq);
    KernelArguments.positive(k, "types", types);
    if (spans == null || spans.length % 4 != 0) {
      throw new IllegalArgumentException(k + ": spans must hold 4 ints (b, t, i, j) per span, got "
          + (spans == null ? "null" : spans.length + " ints"));
    }
    int[] limits = {batch, types, seq, seq};
    String[] names = {"sequence", "type", "start", "end"};
    for (int s = 0; s < spans.length; s += 4) {
      for (int f = 0; f < 4; f++) {
        if (spans[s + f] < 0 || spans[s + f] >= limits[f]) {
          throw new IllegalArgumentException(k + ": span " + s / 4 + " (" + spans[s] + ", "
              + spans[s + 1] + ", " + spans[s + 2] + ", " + spans[s + 3] + ") has " + names[f]
              + " " + spans[s + f] + " outside [0, " + limits[f] + ")");
        }
      }
    }
    long cells = (long) batch * types * seq * seq;
    checkSlice(k, "scores", scores, cells);
    checkSlice(k, "dScores", dScores, cells);
    return doSpanLoss(scores, spans, batch, seq, types, dScores, gradScale);
  }

  /**
   * Checks every slice the optimizer uses (the state slice of an empty region may be null), then
   * starts the step ({@link BoundOptimizer#step}: its scalars, the same for every backend).
   */
  @Override
  public final void optimizerStep(BoundOptimizer optimizer, Slice params, Slice grads,
      Slice[] state, long call) {
    requireOpen();
    String k = "optimizerStep";
    int n = optimizer.size();
    checkSlice(k, "params", params, n);
    checkSlice(k, "grads", grads, n);
    if (state == null || state.length != StateRegion.COUNT) {
      throw new IllegalArgumentException(k + ": state needs one slice per StateRegion ("
          + StateRegion.COUNT + ")");
    }
    for (int r = 0; r < StateRegion.COUNT; r++) {
      long floats = optimizer.regionFloats(StateRegion.of(r));
      if (floats != 0) {
        checkSlice(k, STATE_NAMES[r], state[r], floats);
      }
    }
    doOptimizerStep(optimizer, optimizer.step(call), params, grads, state);
  }

  @Override
  public final long firstNonFinite(Slice x, long count) {
    requireOpen();
    KernelArguments.nonNegative("firstNonFinite", "count", count);
    checkSlice("firstNonFinite", "x", x, count);
    return doFirstNonFinite(x, count);
  }

  /** {@link #write} on checked arguments. */
  protected abstract void doWrite(float[] source, int sourceOffset, Slice target, int count);

  /** {@link #read} on checked arguments. */
  protected abstract void doRead(Slice source, float[] target, int targetOffset, int count);

  /** {@link #fill} on checked arguments. */
  protected abstract void doFill(Slice target, long count, float value);

  /** {@link #embedding} on checked arguments. */
  protected abstract void doEmbedding(int[] ids, int rows, Slice table, int width, Slice out,
      boolean accumulate);

  /** {@link #embeddingBackward} on checked arguments. */
  protected abstract void doEmbeddingBackward(int[] ids, int rows, Slice dOut, int width,
      Slice dTable);

  /** {@link #hierarchicalPositions} on checked arguments. */
  protected abstract void doHierarchicalPositions(int batch, int seq, Slice table, int rows,
      int width, float alpha, Slice out);

  /** {@link #hierarchicalPositionsBackward} on checked arguments. */
  protected abstract void doHierarchicalPositionsBackward(int batch, int seq, Slice dOut, int rows,
      int width, float alpha, Slice dTable);

  /** {@link #linearWeight} on checked arguments; by default the weight stays as it is. */
  protected void doLinearWeight(Slice w, int in, int outWidth) {}

  /** {@link #linearIntermediate} on checked arguments; by default the activations stay float32. */
  protected void doLinearIntermediate(Slice hidden, int width) {}

  /** {@link #linear} on checked arguments. */
  protected abstract void doLinear(Slice x, int xStride, Slice w, Slice bias,
      Activation activation, Slice pre, Slice out, int rows, int in, int outWidth);

  /** {@link #linearBackward} on checked arguments. */
  protected abstract void doLinearBackward(Slice dPre, Slice x, int xStride, Slice w, Slice dx,
      int dxStride, boolean accumulateDx, Slice dw, Slice dBias, boolean accumulateParams,
      int rows, int in, int outWidth);

  /** {@link #activationBackward} on checked arguments. */
  protected abstract void doActivationBackward(Activation activation, Slice pre, Slice dOut,
      Slice dPre, long count);

  /** {@link #layerNorm} on checked arguments. */
  protected abstract void doLayerNorm(Slice x, Slice residual, Slice gamma, Slice beta, float eps,
      Slice out, Slice mean, Slice rstd, int rows, int width);

  /** {@link #layerNormBackward} on checked arguments. */
  protected abstract void doLayerNormBackward(Slice dOut, Slice h, Slice mean, Slice rstd,
      Slice gamma, Slice dH, Slice dGamma, Slice dBeta, int rows, int width);

  /** {@link #conditionalLayerNorm} on checked arguments. */
  protected abstract void doConditionalLayerNorm(Slice x, Slice residual, Slice gammas,
      Slice betas, float eps, Slice out, Slice mean, Slice rstd, int batch, int seq, int width);

  /** {@link #conditionalLayerNormBackward} on checked arguments. */
  protected abstract void doConditionalLayerNormBackward(Slice dOut, Slice h, Slice mean,
      Slice rstd, Slice gammas, Slice dH, Slice dGammas, Slice dBetas, int batch, int seq,
      int width);

  /** {@link #rmsNorm} on checked arguments. */
  protected abstract void doRmsNorm(Slice x, Slice residual, Slice gamma, float eps, Slice out,
      Slice rstd, int rows, int width);

  /** {@link #rmsNormBackward} on checked arguments. */
  protected abstract void doRmsNormBackward(Slice dOut, Slice h, Slice rstd, Slice gamma,
      Slice dH, Slice dGamma, int rows, int width);

  /** {@link #add} on checked arguments. */
  protected abstract void doAdd(Slice a, Slice b, Slice out, long count);

  /** {@link #multiply} on checked arguments. */
  protected abstract void doMultiply(Slice a, Slice b, Slice out, long count);

  /** {@link #scale} on checked arguments. */
  protected abstract void doScale(Slice x, float alpha, Slice out, long count);

  /** {@link #relativePositionBias} on checked arguments. */
  protected abstract void doRelativePositionBias(AttentionShape shape, Slice table, int buckets,
      int maxDistance, boolean bidirectional, Slice scores);

  /** {@link #relativePositionBiasBackward} on checked arguments. */
  protected abstract void doRelativePositionBiasBackward(AttentionShape shape, Slice dScores,
      int buckets, int maxDistance, boolean bidirectional, Slice dTable);

  /** {@link #rotary} on checked arguments. */
  protected abstract void doRotary(Slice x, int batch, int seq, int heads, int size,
      boolean inverse);

  /**
   * {@link #attention} and {@link #stackedAttention} on checked arguments: the rows of q and k are
   * {@code qkStride} floats apart, those of v {@code vStride} (their own widths when they are
   * tensors of their own, the fused product's width when they are its column blocks).
   */
  protected abstract void doAttention(AttentionShape shape, Mask mask, int[] tokenIds,
      int[] segmentIds, Slice q, Slice k, Slice v, int qkStride, int vStride, Slice probs,
      Slice ctx, float dropout, long seed);

  /**
   * {@link #attentionBackward} and {@link #stackedAttentionBackward} on checked arguments: dq, dk
   * and dv laid out as q, k and v (the same strides).
   */
  protected abstract void doAttentionBackward(AttentionShape shape, Mask mask, int[] tokenIds,
      int[] segmentIds, Slice q, Slice k, Slice v, int qkStride, int vStride, Slice probs,
      Slice dCtx, Slice dq, Slice dk, Slice dv, float dropout, long seed);

  /** {@link #rotaryAt} on checked arguments. */
  protected abstract void doRotaryAt(Slice x, int[] positions, int rows, int heads, int size);

  /** {@link #decoderAttention} on checked arguments. */
  protected abstract void doDecoderAttention(AttentionShape shape, int capacity, int[] starts,
      int keyLength, int[] keyIds, Slice table, int buckets, int maxDistance, Slice q, Slice k,
      Slice v, Slice keyCache, Slice valueCache, Slice ctx);

  /** {@link #cachedAttention} on checked arguments (mask never null). */
  protected abstract void doCachedAttention(AttentionShape shape, int capacity, Mask mask,
      int[] cacheTokens, int[] cacheSegments, int[] starts, Slice q, Slice k, Slice v,
      Slice keyCache, Slice valueCache, Slice ctx);

  /** {@link #copy} on checked arguments. */
  protected abstract void doCopy(Slice source, Slice target, long count);

  /** {@link #copyColumns} on checked arguments. */
  protected abstract void doCopyColumns(Slice source, int sourceWidth, int sourceColumn,
      Slice target, int targetWidth, int targetColumn, int rows, int width);

  /** {@link #attentionScores} on checked arguments. */
  protected abstract void doAttentionScores(AttentionShape shape, Slice q, Slice k, Slice scores);

  /** {@link #attentionScoresBackward} on checked arguments. */
  protected abstract void doAttentionScoresBackward(AttentionShape shape, Slice q, Slice k,
      Slice dScores, Slice dq, Slice dk);

  /** {@link #relativeScores} on checked arguments. */
  protected abstract void doRelativeScores(AttentionShape shape, Slice q, int maxRelative,
      Slice scores);

  /** {@link #relativeScoresBackward} on checked arguments. */
  protected abstract void doRelativeScoresBackward(AttentionShape shape, Slice dScores,
      int maxRelative, Slice dq);

  /** {@link #attentionNormalize} on checked arguments. */
  protected abstract void doAttentionNormalize(AttentionShape shape, Mask mask,
      Normalization normalization, int[] tokenIds, int[] segmentIds, Slice scores, Slice probs);

  /** {@link #attentionNormalizeBackward} on checked arguments. */
  protected abstract void doAttentionNormalizeBackward(AttentionShape shape, Mask mask,
      Normalization normalization, int[] tokenIds, int[] segmentIds, Slice scores, Slice probs,
      Slice dProbs, Slice dScores);

  /** {@link #attentionContext} on checked arguments. */
  protected abstract void doAttentionContext(AttentionShape shape, Slice probs, Slice v,
      Slice ctx);

  /** {@link #attentionContextBackward} on checked arguments. */
  protected abstract void doAttentionContextBackward(AttentionShape shape, Slice probs, Slice v,
      Slice dCtx, Slice dProbs, Slice dv);

  /** {@link #relativeContext} on checked arguments. */
  protected abstract void doRelativeContext(AttentionShape shape, Slice probs, int maxRelative,
      Slice ctx);

  /** {@link #relativeContextBackward} on checked arguments. */
  protected abstract void doRelativeContextBackward(AttentionShape shape, Slice dCtx,
      int maxRelative, Slice dProbs);

  /** {@link #mixHeads} on checked arguments. */
  protected abstract void doMixHeads(AttentionShape shape, Slice x, Slice w, Slice out);

  /** {@link #mixHeadsBackward} on checked arguments. */
  protected abstract void doMixHeadsBackward(AttentionShape shape, Slice x, Slice w, Slice dOut,
      Slice dx, Slice dw);

  /** {@link #dropout} on checked arguments. */
  protected abstract void doDropout(Slice x, Slice out, long count, float p, long seed);

  /** {@link #dropoutBackward} on checked arguments. */
  protected abstract void doDropoutBackward(Slice dOut, Slice dx, long count, float p, long seed);

  /** {@link #softmaxCrossEntropy} on checked arguments. */
  protected abstract double doSoftmaxCrossEntropy(Slice logits, int[] targets, int rows,
      int classes, Slice dLogits, float gradScale);

  /** {@link #sigmoidCrossEntropy} on checked arguments. */
  protected abstract double doSigmoidCrossEntropy(Slice logits, int[] targets, int rows,
      Slice dLogits, float gradScale);

  /** {@link #crfLoss} on checked arguments. */
  protected abstract double doCrfLoss(Slice emissions, Slice transitions, int[] tags,
      int[] tokenIds, int batch, int seq, int tagCount, Slice dEmissions, Slice dTransitions,
      float gradScale);

  /** {@link #memmLoss} on checked arguments. */
  protected abstract double doMemmLoss(Slice emissions, Slice transitions, int[] tags,
      int[] tokenIds, int batch, int seq, int tagCount, Slice dEmissions, Slice dTransitions,
      float gradScale);

  /** {@link #spanMask} on checked arguments. */
  protected abstract void doSpanMask(Slice logits, Slice bias, Slice scores, int[] tokenIds,
      int batch, int seq, int types, boolean tril);

  /** {@link #spanMaskBackward} on checked arguments. */
  protected abstract void doSpanMaskBackward(Slice dScores, Slice dLogits, Slice dBias,
      int[] tokenIds, int batch, int seq, int types, boolean tril);

  /** {@link #spanLoss} on checked arguments. */
  protected abstract double doSpanLoss(Slice scores, int[] spans, int batch, int seq, int types,
      Slice dScores, float gradScale);

  /** {@link #optimizerStep} on checked arguments: {@code step} of {@code optimizer}. */
  protected abstract void doOptimizerStep(BoundOptimizer optimizer, OptimizerStep step,
      Slice params, Slice grads, Slice[] state);

  /** {@link #firstNonFinite} on checked arguments. */
  protected abstract long doFirstNonFinite(Slice x, long count);

  /** Checks that {@code slice} lies in this backend's memory and holds {@code extent} floats. */
  /** Checks that columns [column, column + width) lie inside rows {@code rowWidth} wide. */
  private static void columnsInside(String kernel, String name, int column, int width,
      int rowWidth) {
    if ((long) column + width > rowWidth) {
      throw new IllegalArgumentException(kernel + ": " + name + " columns " + column + " to "
          + ((long) column + width) + " lie outside its rows of " + rowWidth);
    }
  }

  private void checkSlice(String kernel, String name, Slice slice, long extent) {
    checkMemory(kernel, name, KernelArguments.memory(kernel, name, slice, extent, memoryType),
        slice.offset(), extent);
  }

  /** The sizes of a kernel over {@code batch} sequences of {@code seq} rows of {@code width}. */
  private static void checkSequences(String kernel, int batch, int seq, int width) {
    KernelArguments.nonNegative(kernel, "batch", batch);
    KernelArguments.positive(kernel, "seq", seq);
    KernelArguments.positive(kernel, "width", width);
  }

  /**
   * The arguments of the tag-path losses (crfLoss, memmLoss): sizes, the host arrays, a tag in
   * [0, tagCount) at every non-padding position, the slices, and dEmissions apart from emissions.
   */
  private void checkTagPaths(String kernel, Slice emissions, Slice transitions, int[] tags,
      int[] tokenIds, int batch, int seq, int tagCount, Slice dEmissions, Slice dTransitions) {
    KernelArguments.nonNegative(kernel, "batch", batch);
    KernelArguments.positive(kernel, "seq", seq);
    KernelArguments.positive(kernel, "tagCount", tagCount);
    long tokens = (long) batch * seq;
    if (tags == null || tokenIds == null) {
      throw new IllegalArgumentException(kernel + ": " + (tags == null ? "tags" : "tokenIds")
          + " is null");
    }
    KernelArguments.host(kernel, "tags", tags.length, 0, tokens);
    KernelArguments.host(kernel, "tokenIds", tokenIds.length, 0, tokens);
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < seq; t++) {
        int r = b * seq + t;
        if (tokenIds[r] != 0 && (tags[r] < 0 || tags[r] >= tagCount)) {
          throw new IllegalArgumentException(kernel + ": tag " + tags[r] + " of sequence " + b
              + " at position " + t + " is outside [0, " + tagCount + "): every non-padding "
              + "position needs a tag");
        }
      }
    }
    long rows = tokens * tagCount;
    long square = (long) tagCount * tagCount;
    checkSlice(kernel, "emissions", emissions, rows);
    checkSlice(kernel, "transitions", transitions, square);
    checkSlice(kernel, "dEmissions", dEmissions, rows);
    checkSlice(kernel, "dTransitions", dTransitions, square);
    KernelArguments.disjoint(kernel, "dEmissions", dEmissions, "emissions", emissions, rows);
  }

  /**
   * The arguments of spanMask and its backward: sizes, the token ids, the grid {@code [batch, types,
   * seq, seq]}, and the logits: the same size (and the grid or apart from it) without a bias, one
   * type (and apart from the grid) with the per-token bias {@code [batch·seq, 2·types]} (apart from
   * both).
   */
  private void checkSpanGrids(String kernel, Slice logits, String logitsName, Slice bias,
      String biasName, Slice grid, String gridName, int[] tokenIds, int batch, int seq,
      int types) {
    KernelArguments.nonNegative(kernel, "batch", batch);
    KernelArguments.positive(kernel, "seq", seq);
    KernelArguments.positive(kernel, "types", types);
    if (tokenIds == null) {
      throw new IllegalArgumentException(kernel + ": tokenIds is null");
    }
    long tokens = (long) batch * seq;
    KernelArguments.host(kernel, "tokenIds", tokenIds.length, 0, tokens);
    long cells = tokens * seq * types;
    checkSlice(kernel, gridName, grid, cells);
    if (bias == null) {
      checkSlice(kernel, logitsName, logits, cells);
      if (!logits.equals(grid)) {
        apart(kernel, logitsName, logits, cells, gridName, grid, cells);
      }
      return;
    }
    long logitCells = tokens * seq;
    long biasFloats = tokens * 2 * types;
    checkSlice(kernel, logitsName, logits, logitCells);
    checkSlice(kernel, biasName, bias, biasFloats);
    apart(kernel, logitsName, logits, logitCells, gridName, grid, cells);
    apart(kernel, biasName, bias, biasFloats, gridName, grid, cells);
    apart(kernel, biasName, bias, biasFloats, logitsName, logits, logitCells);
  }

  /** Checks that {@code aFloats} floats from a and {@code bFloats} from b do not overlap. */
  private static void apart(String kernel, String aName, Slice a, long aFloats, String bName,
      Slice b, long bFloats) {
    if (a.memory() == b.memory() && aFloats > 0 && bFloats > 0 && a.offset() < b.offset() + bFloats
        && b.offset() < a.offset() + aFloats) {
      throw new IllegalArgumentException(kernel + ": " + aName + " (offset " + a.offset() + ", "
          + aFloats + " floats) overlaps " + bName + " (offset " + b.offset() + ", " + bFloats
          + " floats); they must be apart");
    }
  }

  /**
   * The sizes and α of the hierarchical positions: a table of {@code rows} rows places at most
   * rows² positions (p / rows must name a row).
   */
  private static void checkHierarchical(String kernel, int batch, int seq, int rows, int width,
      float alpha) {
    checkSequences(kernel, batch, seq, width);
    KernelArguments.positive(kernel, "rows", rows);
    if (seq > (long) rows * rows) {
      throw new IllegalArgumentException(kernel + ": seq (" + seq + ") exceeds rows² ("
          + (long) rows * rows + "): a table of " + rows + " rows places at most that many"
          + " positions");
    }
    KernelArguments.fraction(kernel, "alpha", alpha);
  }

  /**
   * The checks attention and its backward share: the dropout rate, the ids the mask comes from (the
   * segment ids too for UNILM), and the slices q, k, v and probs.
   */
  private void checkAttention(String kernel, AttentionShape shape, Mask mask, int[] tokenIds,
      int[] segmentIds, Slice q, Slice k, Slice v, Slice probs, float dropout) {
    KernelArguments.rate(kernel, dropout);
    checkIds(kernel, shape, mask, tokenIds, segmentIds);
    checkSlice(kernel, "q", q, qkSize(shape));
    checkSlice(kernel, "k", k, qkSize(shape));
    checkSlice(kernel, "v", v, vSize(shape));
    checkSlice(kernel, "probs", probs, mapsSize(shape));
  }

  private void checkStackedAttention(String kernel, AttentionShape shape, Mask mask,
      int[] tokenIds, int[] segmentIds, Slice qkv, Slice probs, float dropout) {
    KernelArguments.rate(kernel, dropout);
    checkIds(kernel, shape, mask, tokenIds, segmentIds);
    checkSlice(kernel, "qkv", qkv, qkvSize(shape));
    checkSlice(kernel, "probs", probs, mapsSize(shape));
  }

  /** The ids an attention mask comes from: the token ids, and the segment ids too for UNILM. */
  private static void checkIds(String kernel, AttentionShape shape, Mask mask, int[] tokenIds,
      int[] segmentIds) {
    int tokens = shape.batch() * shape.seq();
    if (tokenIds == null) {
      throw new IllegalArgumentException(kernel + ": tokenIds is null");
    }
    KernelArguments.host(kernel, "tokenIds", tokenIds.length, 0, tokens);
    if (mask == Mask.UNILM) {
      if (segmentIds == null) {
        throw new IllegalArgumentException(kernel + ": mask UNILM needs segmentIds");
      }
      KernelArguments.host(kernel, "segmentIds", segmentIds.length, 0, tokens);
    }
  }

  /** The normalization (required) and the ids of attentionNormalize and its backward. */
  private static void checkMask(String kernel, AttentionShape shape, Mask mask,
      Normalization normalization, int[] tokenIds, int[] segmentIds) {
    if (normalization == null) {
      throw new IllegalArgumentException(kernel + ": normalization is null");
    }
    checkIds(kernel, shape, mask, tokenIds, segmentIds);
  }

  /** The floats of per-head maps (scores, probs and their gradients): [batch, heads, seq, seq]. */
  private static long mapsSize(AttentionShape shape) {
    return (long) shape.batch() * shape.heads() * shape.seq() * shape.seq();
  }

  /** The floats of q or k (and of their gradients): [batch, seq, heads·keySize]. */
  private static long qkSize(AttentionShape shape) {
    return (long) shape.batch() * shape.seq() * shape.qkWidth();
  }

  /** The floats of q, k and v side by side (and of their gradient): [batch, seq, qkvWidth]. */
  private static long qkvSize(AttentionShape shape) {
    return (long) shape.batch() * shape.seq() * shape.qkvWidth();
  }

  /** The floats of v and of the context (and of their gradients): [batch, seq, heads·headSize]. */
  private static long vSize(AttentionShape shape) {
    return (long) shape.batch() * shape.seq() * shape.vWidth();
  }
}
