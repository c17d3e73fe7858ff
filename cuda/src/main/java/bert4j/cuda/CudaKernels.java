package bert4j.cuda;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.CheckedKernels;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.RelativeBuckets;
import bert4j.runtime.kernels.Slice;
import bert4j.runtime.kernels.SpanRows;
import bert4j.runtime.optim.BoundOptimizer;
import bert4j.runtime.optim.OptimizerStep;
import bert4j.runtime.optim.StateRegion;

/**
 * The CUDA backend: every kernel of the {@link Kernels} contract as a CUDA kernel (src/main/cuda,
 * one file per concept), launched in order on one stream of one GPU. Host inputs (token ids,
 * targets) are copied in per call; everything else stays on the device. Arguments are checked on
 * the host ({@link CheckedKernels}, and here what only this backend needs) before anything is
 * launched. After warm-up, calls allocate nothing on the device or the Java heap (scratch buffers
 * only grow). Calls come from one thread at a time.
 *
 * <p>Matrix products run in float32 on the CUDA cores by default; with {@code tf32} (system
 * property {@code bert4j.cuda.tf32=true}) on the tensor cores in TF32, about 1e-3 relative error
 * per product. Every kernel sums in a fixed order, so results are the same on every run.
 */
public final class CudaKernels extends CheckedKernels<CudaMemory> {
  private static final int THREADS = 256;
  private static final int COLUMN_THREADS = 128;
  private static final int ROWS_PER_CHUNK = 64;
  private static final int NORM_ROWS_PER_BLOCK = 4;
  private static final int ATTENTION_THREADS = 128;
  private static final int ATTENTION_KEYS = 32;
  private static final int NORMALIZE_THREADS = 128;
  private static final int TAG_PATH_THREADS = 32;

  private final Device device;
  private final boolean tf32;
  private final LaunchArgs args = new LaunchArgs();
  private final DeviceScratch ints;
  private final DeviceScratch floats;
  private final DeviceScratch doubles;
  private final DeviceScratch maskRanks;
  private final AttentionMaskRanks ranks = new AttentionMaskRanks();
  private final EmbeddingOrder embeddingOrder = new EmbeddingOrder();
  private final DeviceOptimizer deviceOptimizer;
  private final long[] stateAt = new long[StateRegion.COUNT];
  private double[] rowLoss = new double[0];
  private final double[] firstNonFinite = new double[1];
  private boolean closed;

  CudaKernels(Device device, boolean tf32) {
    super(CudaMemory.class);
    this.device = device;
    this.tf32 = tf32;
    this.ints = new DeviceScratch(device);
    this.floats = new DeviceScratch(device);
    this.doubles = new DeviceScratch(device);
    this.maskRanks = new DeviceScratch(device);
    this.deviceOptimizer = new DeviceOptimizer(device, args);
  }

  /** The first GPU, TF32 as the system property {@code bert4j.cuda.tf32} says (default off). */
  public static CudaKernels open() {
    return new CudaKernels(JCudaDevice.open(0), Boolean.getBoolean("bert4j.cuda.tf32"));
  }

  @Override
  public String name() {
    return device.name() + (tf32 ? ", TF32 matmuls" : "");
  }

  /** The device, for timing its kernels (the benchmark). */
  Device device() {
    return device;
  }

  @Override
  public Memory allocate(long floats) {
    requireOpen();
    if (floats < 0) {
      throw new IllegalArgumentException("cannot allocate " + floats + " floats of CUDA memory");
    }
    return new CudaMemory(this, floats, device.allocate(4 * floats));
  }

  /** Frees memory of this backend; after {@link #close} the device has freed it already. */
  void free(long address) {
    if (!closed) {
      device.free(address);
    }
  }

  @Override
  protected void doWrite(float[] source, int sourceOffset, Slice target, int count) {
    if (count > 0) {
      device.copyIn(source, sourceOffset, address(target), count);
    }
  }

  @Override
  protected void doRead(Slice source, float[] target, int targetOffset, int count) {
    if (count > 0) {
      device.copyOut(address(source), target, targetOffset, count);
    }
  }

  @Override
  protected void doFill(Slice target, long count, float value) {
    if (count > 0) {
      launch("fill", elementwiseBlocks(count), THREADS, args.clear().address(address(target))
          .i64(count).f32(value));
    }
  }

  @Override
  protected void doEmbedding(int[] ids, int rows, Slice table, int width, Slice out,
      boolean accumulate) {
    if (rows == 0) {
      return;
    }
    long idsOnDevice = ints.reserve(4L * rows);
    device.copyIn(ids, 0, idsOnDevice, rows);
    launch("embedding_forward", rows, 1, 1, rowThreads(width), args.clear().address(idsOnDevice)
        .address(address(table)).i32(width).address(address(out)).i32(accumulate ? 1 : 0));
  }

  @Override
  protected void doEmbeddingBackward(int[] ids, int rows, Slice dOut, int width, Slice dTable) {
    if (rows == 0) {
      return;
    }
    int packed = embeddingOrder.arrange(ids, rows);
    int uniques = embeddingOrder.uniques();
    long order = ints.reserve(4L * packed);
    device.copyIn(embeddingOrder.packed(), 0, order, packed);
    launch("embedding_backward", uniques, 1, 1, rowThreads(width), args.clear().address(order)
        .address(order + 4L * rows).address(order + 4L * (rows + uniques + 1))
        .address(address(dOut)).i32(width).address(address(dTable)));
  }

  @Override
  protected void doHierarchicalPositions(int batch, int seq, Slice table, int rows, int width,
      float alpha, Slice out) {
    long count = (long) batch * seq * width;
    if (count > 0) {
      launch("hierarchical_positions", elementwiseBlocks(count), THREADS, args.clear()
          .address(address(table)).i32(rows).i32(width).f32((float) hierarchicalScale(alpha))
          .address(address(out)).i32(seq).i64(count));
    }
  }

  @Override
  protected void doHierarchicalPositionsBackward(int batch, int seq, Slice dOut, int rows,
      int width, float alpha, Slice dTable) {
    if (batch > 0) {
      launch("hierarchical_positions_backward",
          elementwiseBlocks((long) Math.min(rows, seq) * width), THREADS, args.clear()
              .address(address(dOut)).i32(batch).i32(seq).i32(rows).i32(width)
              .f64(hierarchicalScale(alpha)).address(address(dTable)));
    }
  }

  /** k = α/(1 − α), the weight of E[p / rows] − E[0] in the hierarchical positions. */
  private static double hierarchicalScale(float alpha) {
    return alpha / (1.0 - alpha);
  }

  @Override
  protected void doLinear(Slice x, int xStride, Slice w, Slice bias, Activation activation,
      Slice pre, Slice out, int rows, int in, int outWidth) {
    if (rows == 0) {
      return;
    }
    boolean separateOut = activation != null || !out.equals(pre);
    gemm(Layout.NT, rows, outWidth, in, address(x), xStride, address(w), in, address(pre),
        outWidth, false, address(bias), activationCode(activation), separateOut ? address(out) : 0,
        outWidth);
  }

  @Override
  protected void doLinearBackward(Slice dPre, Slice x, int xStride, Slice w, Slice dx,
      int dxStride, boolean accumulateDx, Slice dw, Slice dBias, boolean accumulateParams,
      int rows, int in, int outWidth) {
    if (rows == 0) {
      if (!accumulateParams) {
        doFill(dw, (long) outWidth * in, 0f);
        if (dBias != null) {
          doFill(dBias, outWidth, 0f);
        }
      }
      return;
    }
    long dPreAt = address(dPre);
    if (dx != null) {
      gemm(Layout.NN, rows, in, outWidth, dPreAt, outWidth, address(w), in, address(dx), dxStride,
          accumulateDx, 0, 0, 0, 0);
    }
    gemm(Layout.TN, outWidth, in, rows, dPreAt, outWidth, address(x), xStride, address(dw), in,
        accumulateParams, 0, 0, 0, 0);
    if (dBias != null) {
      columnSums(dPreAt, rows, outWidth, address(dBias), accumulateParams);
    }
  }

  @Override
  protected void doActivationBackward(Activation activation, Slice pre, Slice dOut, Slice dPre,
      long count) {
    if (count > 0) {
      launch("activation_backward", elementwiseBlocks(count), THREADS, args.clear()
          .i32(activationCode(activation)).address(address(pre)).address(address(dOut))
          .address(address(dPre)).i64(count));
    }
  }

  @Override
  protected void doLayerNorm(Slice x, Slice residual, Slice gamma, Slice beta, float eps,
      Slice out, Slice mean, Slice rstd, int rows, int width) {
    if (rows == 0) {
      return;
    }
    launch("layernorm_forward", normBlocks(rows), 32 * NORM_ROWS_PER_BLOCK, args.clear()
        .address(address(x)).address(address(residual)).address(address(gamma))
        .address(address(beta)).f32(eps).address(address(out)).address(address(mean))
        .address(address(rstd)).i32(rows).i32(width));
  }

  @Override
  protected void doLayerNormBackward(Slice dOut, Slice h, Slice mean, Slice rstd, Slice gamma,
      Slice dH, Slice dGamma, Slice dBeta, int rows, int width) {
    if (rows == 0) {
      return;
    }
    long dOutAt = address(dOut);
    long hAt = address(h);
    long meanAt = address(mean);
    long rstdAt = address(rstd);
    int chunks = chunks(rows);
    long partials = (long) chunks * width;
    long delta = floats.reserve(4L * (rows + 2 * partials));
    long partialGamma = delta + 4L * rows;
    long partialBeta = partialGamma + 4L * partials;
    int blocks = normBlocks(rows);
    int threads = 32 * NORM_ROWS_PER_BLOCK;
    launch("layernorm_mean_remainder", blocks, threads, args.clear().address(hAt).address(meanAt)
        .i32(rows).i32(width).address(delta));
    launch("layernorm_backward_partials", columnBlocks(width), chunks, 1, COLUMN_THREADS,
        args.clear().address(dOutAt).address(hAt).address(meanAt).address(rstdAt).address(delta)
            .i32(rows).i32(width).i32(ROWS_PER_CHUNK).address(partialGamma).address(partialBeta));
    addPartials(partialGamma, chunks, width, address(dGamma), true);
    addPartials(partialBeta, chunks, width, address(dBeta), true);
    launch("layernorm_backward_rows", blocks, threads, args.clear().address(dOutAt).address(hAt)
        .address(meanAt).address(rstdAt).address(delta).address(address(gamma))
        .address(address(dH)).i32(rows).i32(width));
  }

  @Override
  protected void doConditionalLayerNorm(Slice x, Slice residual, Slice gammas, Slice betas,
      float eps, Slice out, Slice mean, Slice rstd, int batch, int seq, int width) {
    int rows = batch * seq;
    if (rows == 0) {
      return;
    }
    launch("conditional_layernorm_forward", normBlocks(rows), 32 * NORM_ROWS_PER_BLOCK,
        args.clear().address(address(x)).address(address(residual)).address(address(gammas))
            .address(address(betas)).f32(eps).address(address(out)).address(address(mean))
            .address(address(rstd)).i32(rows).i32(seq).i32(width));
  }

  /**
   * layernorm.cu's mean remainders and column partials, one chunk of rows per sequence, so the
   * partials are dGammas and dBetas; then the rows (conditional_layernorm.cu).
   */
  @Override
  protected void doConditionalLayerNormBackward(Slice dOut, Slice h, Slice mean, Slice rstd,
      Slice gammas, Slice dH, Slice dGammas, Slice dBetas, int batch, int seq, int width) {
    int rows = batch * seq;
    if (rows == 0) {
      return;
    }
    long dOutAt = address(dOut);
    long hAt = address(h);
    long meanAt = address(mean);
    long rstdAt = address(rstd);
    long delta = floats.reserve(4L * rows);
    int blocks = normBlocks(rows);
    int threads = 32 * NORM_ROWS_PER_BLOCK;
    launch("layernorm_mean_remainder", blocks, threads, args.clear().address(hAt).address(meanAt)
        .i32(rows).i32(width).address(delta));
    launch("layernorm_backward_partials", columnBlocks(width), batch, 1, COLUMN_THREADS,
        args.clear().address(dOutAt).address(hAt).address(meanAt).address(rstdAt).address(delta)
            .i32(rows).i32(width).i32(seq).address(address(dGammas)).address(address(dBetas)));
    launch("conditional_layernorm_backward_rows", blocks, threads, args.clear().address(dOutAt)
        .address(hAt).address(meanAt).address(rstdAt).address(delta).address(address(gammas))
        .address(address(dH)).i32(rows).i32(seq).i32(width));
  }

  @Override
  protected void doRmsNorm(Slice x, Slice residual, Slice gamma, float eps, Slice out, Slice rstd,
      int rows, int width) {
    if (rows == 0) {
      return;
    }
    launch("rmsnorm_forward", normBlocks(rows), 32 * NORM_ROWS_PER_BLOCK, args.clear()
        .address(address(x)).address(address(residual)).address(address(gamma)).f32(eps)
        .address(address(out)).address(address(rstd)).i32(rows).i32(width));
  }

  @Override
  protected void doRmsNormBackward(Slice dOut, Slice h, Slice rstd, Slice gamma, Slice dH,
      Slice dGamma, int rows, int width) {
    if (rows == 0) {
      return;
    }
    long dOutAt = address(dOut);
    long hAt = address(h);
    long rstdAt = address(rstd);
    if (dGamma != null) {
      int chunks = chunks(rows);
      long partials = floats.reserve(4L * chunks * width);
      launch("rmsnorm_backward_partials", columnBlocks(width), chunks, 1, COLUMN_THREADS,
          args.clear().address(dOutAt).address(hAt).address(rstdAt).i32(rows).i32(width)
              .i32(ROWS_PER_CHUNK).address(partials));
      addPartials(partials, chunks, width, address(dGamma), true);
    }
    launch("rmsnorm_backward_rows", normBlocks(rows), 32 * NORM_ROWS_PER_BLOCK,
        args.clear().address(dOutAt).address(hAt).address(rstdAt).address(address(gamma))
            .address(address(dH)).i32(rows).i32(width));
  }

  @Override
  protected void doAdd(Slice a, Slice b, Slice out, long count) {
    if (count > 0) {
      launch("add", elementwiseBlocks(count), THREADS, args.clear().address(address(a))
          .address(address(b)).address(address(out)).i64(count));
    }
  }

  @Override
  protected void doDecoderAttention(AttentionShape shape, int capacity, int[] starts,
      int keyLength, int[] keyIds, Slice table, int buckets, int maxDistance, Slice q, Slice k,
      Slice v, Slice keyCache, Slice valueCache, Slice ctx) {
    int batch = shape.batch();
    long startsAt = ints.reserve(4L * (batch + (keyIds == null ? 0 : (long) batch * capacity)
        + (table == null ? 0 : 2L * capacity - 1)));
    device.copyIn(starts, 0, startsAt, batch);
    long keyIdsAt = 0;
    if (k != null) {
      long rows = (long) batch * shape.seq();
      launch("decoder_cache_write", elementwiseBlocks(rows * shape.qkWidth()), THREADS, args.clear()
          .address(address(k)).address(startsAt).address(address(keyCache)).i32(batch)
          .i32(shape.seq()).i32(shape.qkWidth()).i32(capacity));
      launch("decoder_cache_write", elementwiseBlocks(rows * shape.vWidth()), THREADS, args.clear()
          .address(address(v)).address(startsAt).address(address(valueCache)).i32(batch)
          .i32(shape.seq()).i32(shape.vWidth()).i32(capacity));
    } else {
      keyIdsAt = startsAt + 4L * batch;
      device.copyIn(keyIds, 0, keyIdsAt, batch * capacity);
    }
    long bucketsAt = 0;
    if (table != null) {
      int[] distances = RelativeBuckets.forDistances(capacity, false, buckets, maxDistance);
      bucketsAt = startsAt + 4L * (batch + (keyIds == null ? 0 : (long) batch * capacity));
      device.copyIn(distances, 0, bucketsAt, distances.length);
    }
    launch("decoder_attention", elementwiseBlocks((long) batch * shape.seq() * shape.heads()),
        THREADS, args.clear().address(address(q)).address(address(keyCache))
            .address(address(valueCache)).address(startsAt).address(keyIdsAt)
            .address(table == null ? 0 : address(table)).address(bucketsAt)
            .address(address(ctx)).i32(batch).i32(shape.seq()).i32(shape.heads())
            .i32(shape.keySize()).i32(shape.headSize()).f32(shape.scale()).i32(capacity)
            .i32(k != null ? -1 : keyLength));
  }

  @Override
  protected void doMultiply(Slice a, Slice b, Slice out, long count) {
    if (count > 0) {
      launch("multiply", elementwiseBlocks(count), THREADS, args.clear().address(address(a))
          .address(address(b)).address(address(out)).i64(count));
    }
  }

  @Override
  protected void doScale(Slice x, float alpha, Slice out, long count) {
    if (count > 0) {
      launch("scale_values", elementwiseBlocks(count), THREADS, args.clear().address(address(x))
          .f32(alpha).address(address(out)).i64(count));
    }
  }

  @Override
  protected void doRelativePositionBias(AttentionShape shape, Slice table, int buckets,
      int maxDistance, boolean bidirectional, Slice scores) {
    if (maps(shape) > 0) {
      long bucketsAt = relativeBuckets(shape.seq(), buckets, maxDistance, bidirectional);
      launch("relative_bias", elementwiseBlocks(maps(shape)), THREADS, args.clear()
          .address(address(table)).address(bucketsAt).address(address(scores))
          .i32(shape.batch()).i32(shape.seq()).i32(shape.heads()));
    }
  }

  @Override
  protected void doRelativePositionBiasBackward(AttentionShape shape, Slice dScores, int buckets,
      int maxDistance, boolean bidirectional, Slice dTable) {
    long bucketsAt = relativeBuckets(shape.seq(), buckets, maxDistance, bidirectional);
    long diagonalCount = (long) shape.heads() * (2 * shape.seq() - 1);
    long diagonals = floats.reserve(4L * diagonalCount);
    launch("relative_bias_diagonals", elementwiseBlocks(diagonalCount), THREADS, args.clear()
        .address(address(dScores)).address(diagonals).i32(shape.batch()).i32(shape.seq())
        .i32(shape.heads()));
    launch("relative_bias_table", elementwiseBlocks((long) buckets * shape.heads()), THREADS,
        args.clear().address(diagonals).address(bucketsAt).address(address(dTable))
            .i32(shape.seq()).i32(shape.heads()).i32(buckets));
  }

  /** Each distance's T5 bucket ({@link RelativeBuckets}), computed here and copied to the device. */
  private long relativeBuckets(int seq, int buckets, int maxDistance, boolean bidirectional) {
    int[] table = RelativeBuckets.forDistances(seq, bidirectional, buckets, maxDistance);
    long at = ints.reserve(4L * table.length);
    device.copyIn(table, 0, at, table.length);
    return at;
  }

  @Override
  protected void doRotary(Slice x, int batch, int seq, int heads, int size, boolean inverse) {
    long pairs = (long) batch * seq * (size / 2);
    if (pairs > 0) {
      launch("rotary", elementwiseBlocks(pairs), THREADS, args.clear().address(address(x))
          .i64(pairs).i32(seq).i32(heads).i32(size).i32(inverse ? 1 : 0));
    }
  }

  @Override
  protected void doRotaryAt(Slice x, int[] positions, int rows, int heads, int size) {
    long pairs = (long) rows * (size / 2);
    if (pairs > 0) {
      long positionsAt = ints.reserve(4L * rows);
      device.copyIn(positions, 0, positionsAt, rows);
      launch("rotary_at", elementwiseBlocks(pairs), THREADS, args.clear().address(address(x))
          .address(positionsAt).i64(pairs).i32(heads).i32(size));
    }
  }

  @Override
  protected void doCachedAttention(AttentionShape shape, int capacity, Mask mask,
      int[] cacheTokens, int[] cacheSegments, int[] starts, Slice q, Slice k, Slice v,
      Slice keyCache, Slice valueCache, Slice ctx) {
    int batch = shape.batch();
    int seq = shape.seq();
    long startsAt = ints.reserve(4L * batch);
    device.copyIn(starts, 0, startsAt, batch);
    appendToCache(k, batch, seq, capacity, shape.qkWidth(), startsAt, keyCache);
    appendToCache(v, batch, seq, capacity, shape.vWidth(), startsAt, valueCache);
    AttentionShape cache = new AttentionShape(batch, capacity, shape.heads(), shape.keySize(),
        shape.headSize(), shape.scale());
    long ranksAt = maskRanks(mask, cacheTokens, cacheSegments, cache);
    long scores = floats.reserve(4L * batch * shape.heads() * seq * capacity);
    launch("cached_attention", seq, shape.heads(), batch, ATTENTION_THREADS, args.clear().i32(seq)
        .i32(capacity).i32(shape.heads()).i32(shape.keySize()).i32(shape.headSize())
        .f32(shape.scale()).i32(mask == Mask.LM ? 1 : 0).address(ranksAt)
        .address(ranksAt + 4L * batch * capacity).address(startsAt).address(address(q))
        .address(address(keyCache)).address(address(valueCache)).address(scores)
        .address(address(ctx)));
  }

  /** Row i of sequence b of x into row starts[b] + i of the sequence's cache block. */
  private void appendToCache(Slice x, int batch, int seq, int capacity, int width, long startsAt,
      Slice cache) {
    long count = (long) batch * seq * width;
    launch("cache_append", elementwiseBlocks(count), THREADS, args.clear().address(address(x))
        .i64(count).i32(seq).i32(capacity).i32(width).address(startsAt).address(address(cache)));
  }

  @Override
  protected void doCopy(Slice source, Slice target, long count) {
    if (count > 0) {
      launch("copy_floats", elementwiseBlocks(count), THREADS, args.clear()
          .address(address(source)).address(address(target)).i64(count));
    }
  }

  @Override
  protected void doCopyColumns(Slice source, int sourceWidth, int sourceColumn, Slice target,
      int targetWidth, int targetColumn, int rows, int width) {
    long count = (long) rows * width;
    if (count > 0) {
      launch("copy_columns", elementwiseBlocks(count), THREADS, args.clear()
          .address(address(source)).i32(sourceWidth).i32(sourceColumn).address(address(target))
          .i32(targetWidth).i32(targetColumn).i32(rows).i32(width));
    }
  }

  @Override
  protected void doAttention(AttentionShape shape, Mask mask, int[] tokenIds, int[] segmentIds,
      Slice q, Slice k, Slice v, int qkStride, int vStride, Slice probs, Slice ctx, float dropout,
      long seed) {
    int headSize = attentionHeadSize("attention", shape);
    int tokens = shape.batch() * shape.seq();
    Mask m = mask == null ? Mask.NONE : mask;
    long ranksAt = maskRanks(m, tokenIds, segmentIds, shape);
    launch(headSize == 64 ? "attention_forward_64" : "attention_forward_128",
        ceil(shape.seq(), queryTile(headSize)), shape.heads(), shape.batch(), ATTENTION_THREADS,
        args.clear().i32(shape.seq()).i32(shape.heads()).i32(shape.keySize())
            .i32(shape.headSize()).i32(qkStride).i32(vStride).f32(shape.scale())
            .i32(m == Mask.LM ? 1 : 0).address(ranksAt)
            .address(ranksAt + 4L * tokens).address(address(q)).address(address(k))
            .address(address(v)).address(address(probs)).address(address(ctx)).f32(dropout)
            .i64(seed));
  }

  @Override
  protected void doAttentionBackward(AttentionShape shape, Mask mask, int[] tokenIds,
      int[] segmentIds, Slice q, Slice k, Slice v, int qkStride, int vStride, Slice probs,
      Slice dCtx, Slice dq, Slice dk, Slice dv, float dropout, long seed) {
    int headSize = attentionHeadSize("attentionBackward", shape);
    int tokens = shape.batch() * shape.seq();
    long vAt = address(v);
    long probsAt = address(probs);
    long dCtxAt = address(dCtx);
    long queryRanks = maskRanks(mask == null ? Mask.NONE : mask, tokenIds, segmentIds, shape)
        + 4L * tokens;
    long sums = floats.reserve(4L * shape.batch() * shape.heads() * shape.seq());
    launch(headSize == 64 ? "attention_backward_dq_64" : "attention_backward_dq_128",
        ceil(shape.seq(), queryTile(headSize)), shape.heads(), shape.batch(), ATTENTION_THREADS,
        args.clear().i32(shape.seq()).i32(shape.heads()).i32(shape.keySize())
            .i32(shape.headSize()).i32(qkStride).i32(vStride).f32(shape.scale())
            .address(queryRanks).address(address(k))
            .address(vAt).address(probsAt).address(dCtxAt).address(address(dq)).address(sums)
            .f32(dropout).i64(seed));
    launch(headSize == 64 ? "attention_backward_dkdv_64" : "attention_backward_dkdv_128",
        ceil(shape.seq(), ATTENTION_KEYS), shape.heads(), shape.batch(), ATTENTION_THREADS,
        args.clear().i32(shape.seq()).i32(shape.heads()).i32(shape.keySize())
            .i32(shape.headSize()).i32(qkStride).i32(vStride).f32(shape.scale())
            .address(queryRanks).address(address(q))
            .address(vAt).address(probsAt).address(dCtxAt).address(sums).address(address(dk))
            .address(address(dv)).f32(dropout).i64(seed));
  }

  @Override
  protected void doAttentionScores(AttentionShape shape, Slice q, Slice k, Slice scores) {
    headProducts(shape, address(q), address(k), address(scores), shape.keySize(), shape.scale());
  }

  @Override
  protected void doAttentionScoresBackward(AttentionShape shape, Slice q, Slice k, Slice dScores,
      Slice dq, Slice dk) {
    long dScoresAt = address(dScores);
    mapProducts(shape, dScoresAt, false, address(k), address(dq), shape.keySize(), shape.scale());
    mapProducts(shape, dScoresAt, true, address(q), address(dk), shape.keySize(), shape.scale());
  }

  @Override
  protected void doRelativeScores(AttentionShape shape, Slice q, int maxRelative, Slice scores) {
    relativeSpread(shape, address(q), address(scores), shape.keySize(), shape.scale(),
        maxRelative);
  }

  @Override
  protected void doRelativeScoresBackward(AttentionShape shape, Slice dScores, int maxRelative,
      Slice dq) {
    relativeGather(shape, address(dScores), address(dq), shape.keySize(), shape.scale(),
        maxRelative);
  }

  @Override
  protected void doAttentionNormalize(AttentionShape shape, Mask mask, Normalization normalization,
      int[] tokenIds, int[] segmentIds, Slice scores, Slice probs) {
    Mask m = mask == null ? Mask.NONE : mask;
    long ranksAt = maskRanks(m, tokenIds, segmentIds, shape);
    launch("attention_normalize", normalizeRows(shape), normalizeThreads(shape), args.clear()
        .i32(shape.seq()).i32(shape.heads()).i32(m == Mask.LM ? 1 : 0).address(ranksAt)
        .address(ranksAt + 4L * shape.batch() * shape.seq())
        .i32(normalizationCode(normalization)).address(address(scores)).address(address(probs)));
  }

  @Override
  protected void doAttentionNormalizeBackward(AttentionShape shape, Mask mask,
      Normalization normalization, int[] tokenIds, int[] segmentIds, Slice scores, Slice probs,
      Slice dProbs, Slice dScores) {
    Mask m = mask == null ? Mask.NONE : mask;
    long ranksAt = maskRanks(m, tokenIds, segmentIds, shape);
    launch("attention_normalize_backward", normalizeRows(shape), normalizeThreads(shape),
        args.clear().i32(shape.seq()).i32(shape.heads()).i32(m == Mask.LM ? 1 : 0)
            .address(ranksAt).address(ranksAt + 4L * shape.batch() * shape.seq())
            .i32(normalizationCode(normalization)).address(address(scores))
            .address(address(probs)).address(address(dProbs)).address(address(dScores)));
  }

  @Override
  protected void doAttentionContext(AttentionShape shape, Slice probs, Slice v, Slice ctx) {
    mapProducts(shape, address(probs), false, address(v), address(ctx), shape.headSize(), 1f);
  }

  @Override
  protected void doAttentionContextBackward(AttentionShape shape, Slice probs, Slice v,
      Slice dCtx, Slice dProbs, Slice dv) {
    long dCtxAt = address(dCtx);
    headProducts(shape, dCtxAt, address(v), address(dProbs), shape.headSize(), 1f);
    mapProducts(shape, address(probs), true, dCtxAt, address(dv), shape.headSize(), 1f);
  }

  @Override
  protected void doRelativeContext(AttentionShape shape, Slice probs, int maxRelative,
      Slice ctx) {
    relativeGather(shape, address(probs), address(ctx), shape.headSize(), 1f, maxRelative);
  }

  @Override
  protected void doRelativeContextBackward(AttentionShape shape, Slice dCtx, int maxRelative,
      Slice dProbs) {
    relativeSpread(shape, address(dCtx), address(dProbs), shape.headSize(), 1f, maxRelative);
  }

  @Override
  protected void doMixHeads(AttentionShape shape, Slice x, Slice w, Slice out) {
    mixHeads(shape, address(x), address(w), address(out), false);
  }

  @Override
  protected void doMixHeadsBackward(AttentionShape shape, Slice x, Slice w, Slice dOut, Slice dx,
      Slice dw) {
    long dOutAt = address(dOut);
    mixHeads(shape, dOutAt, address(w), address(dx), true);
    long area = (long) shape.seq() * shape.seq();
    launch("mix_heads_weights", shape.heads() * shape.heads(), THREADS, args.clear()
        .address(dOutAt).address(address(x)).address(address(dw)).i32(shape.batch())
        .i32(shape.heads()).i64(area));
  }

  /** maps[b,h,i,j] = alpha·a_{b,i,h}·c_{b,j,h} (unfused_attention.cu). */
  private void headProducts(AttentionShape shape, long a, long c, long maps, int size,
      float alpha) {
    launch("head_products", elementwiseBlocks(maps(shape)), THREADS, args.clear().address(a)
        .address(c).address(maps).i32(shape.batch()).i32(shape.seq()).i32(shape.heads())
        .i32(size).f32(alpha));
  }

  /** out_{b,i,h} = alpha·Σ_j M[b,h,i,j]·x_{b,j,h}, M transposed or not (unfused_attention.cu). */
  private void mapProducts(AttentionShape shape, long maps, boolean transpose, long x, long out,
      int size, float alpha) {
    launch("map_products", elementwiseBlocks((long) shape.batch() * shape.seq() * shape.heads()
        * size), THREADS, args.clear().address(maps).i32(transpose ? 1 : 0).address(x).address(out)
        .i32(shape.batch()).i32(shape.seq()).i32(shape.heads()).i32(size).f32(alpha));
  }

  /** maps[b,h,i,j] += alpha·tokens_{b,i,h}·R[p(i, j)] (relative_position.cu). */
  private void relativeSpread(AttentionShape shape, long tokens, long maps, int size, float alpha,
      int maxRelative) {
    long table = relativeTable(maxRelative, size);
    launch("relative_spread", elementwiseBlocks(maps(shape)), THREADS, args.clear()
        .address(tokens).address(table).address(maps).i32(shape.batch()).i32(shape.seq())
        .i32(shape.heads()).i32(size).f32(alpha).i32(maxRelative));
  }

  /** tokens_{b,i,h} += alpha·Σ_j maps[b,h,i,j]·R[p(i, j)] (relative_position.cu). */
  private void relativeGather(AttentionShape shape, long maps, long tokens, int size, float alpha,
      int maxRelative) {
    long table = relativeTable(maxRelative, size);
    launch("relative_gather", elementwiseBlocks((long) shape.batch() * shape.seq() * shape.heads()
        * size), THREADS, args.clear().address(maps).address(table).address(tokens)
        .i32(shape.batch()).i32(shape.seq()).i32(shape.heads()).i32(size).f32(alpha)
        .i32(maxRelative));
  }

  /** NEZHA's table of 2·maxRelative + 1 rows of {@code size} columns, built in float scratch. */
  private long relativeTable(int maxRelative, int size) {
    long entries = (2L * maxRelative + 1) * size;
    long table = floats.reserve(4L * entries);
    launch("relative_table", elementwiseBlocks(entries), THREADS, args.clear().address(table)
        .i32(2 * maxRelative + 1).i32(size));
    return table;
  }

  /** out_b = w·x_b, or wᵀ·x_b (talking_heads.cu). */
  private void mixHeads(AttentionShape shape, long x, long w, long out, boolean transpose) {
    long area = (long) shape.seq() * shape.seq();
    launch("mix_heads", elementwiseBlocks(maps(shape)), THREADS, args.clear().address(x)
        .address(w).address(out).i32(shape.batch()).i32(shape.heads()).i64(area)
        .i32(transpose ? 1 : 0));
  }

  /** The floats of [batch, heads, seq, seq] maps. */
  private static long maps(AttentionShape shape) {
    return (long) shape.batch() * shape.heads() * shape.seq() * shape.seq();
  }

  /** Blocks of attention_normalize: one per query row of every head. */
  private static int normalizeRows(AttentionShape shape) {
    return Math.toIntExact((long) shape.batch() * shape.heads() * shape.seq());
  }

  /** Threads of attention_normalize's blocks: warps enough for one key each, at most 128. */
  private static int normalizeThreads(AttentionShape shape) {
    return Math.min(NORMALIZE_THREADS, (shape.seq() + 31) / 32 * 32);
  }

  /** The normalization codes of attention_normalize.cu. */
  private static int normalizationCode(Normalization normalization) {
    return switch (normalization) {
      case SOFTMAX -> 0;
      case SQUARED_RELU -> 1;
      case SOFTMAX_PLUS -> 2;
    };
  }

  /**
   * The device address of the mask's key ranks ([batch·seq] ints, the query ranks after them; see
   * AttentionMaskRanks), uploaded only when the ids differ from the last call's.
   */
  private long maskRanks(Mask mask, int[] tokenIds, int[] segmentIds, AttentionShape shape) {
    int tokens = shape.batch() * shape.seq();
    boolean changed = ranks.compute(mask, tokenIds, segmentIds, shape.batch(), shape.seq());
    long ranksAt = maskRanks.reserve(8L * tokens);
    if (changed || maskRanks.grew()) {
      device.copyIn(ranks.ranks(), 0, ranksAt, 2 * tokens);
    }
    return ranksAt;
  }

  @Override
  protected void doDropout(Slice x, Slice out, long count, float p, long seed) {
    applyDropout(address(x), address(out), count, p, seed);
  }

  @Override
  protected void doDropoutBackward(Slice dOut, Slice dx, long count, float p, long seed) {
    applyDropout(address(dOut), address(dx), count, p, seed);
  }

  private void applyDropout(long in, long out, long count, float p, long seed) {
    if (count == 0 || (p == 0f && in == out)) {
      return;
    }
    launch("dropout", elementwiseBlocks(count), THREADS, args.clear().address(in).address(out)
        .i64(count).f32(p).i64(seed));
  }

  @Override
  protected double doSoftmaxCrossEntropy(Slice logits, int[] targets, int rows, int classes,
      Slice dLogits, float gradScale) {
    if (rows == 0) {
      return 0;
    }
    long targetsAt = ints.reserve(4L * rows);
    device.copyIn(targets, 0, targetsAt, rows);
    long lossAt = doubles.reserve(8L * rows);
    launch("softmax_cross_entropy", rows, 1, 1, THREADS, args.clear().address(address(logits))
        .address(targetsAt).i32(classes).address(address(dLogits)).f32(gradScale).address(lossAt));
    return sumRowLosses(lossAt, rows);
  }

  @Override
  protected double doSigmoidCrossEntropy(Slice logits, int[] targets, int rows, Slice dLogits,
      float gradScale) {
    if (rows == 0) {
      return 0;
    }
    long targetsAt = ints.reserve(4L * rows);
    device.copyIn(targets, 0, targetsAt, rows);
    long lossAt = doubles.reserve(8L * rows);
    launch("sigmoid_cross_entropy", elementwiseBlocks(rows), THREADS, args.clear()
        .address(address(logits)).address(targetsAt).i64(rows).address(address(dLogits))
        .f32(gradScale).address(lossAt));
    return sumRowLosses(lossAt, rows);
  }

  @Override
  protected void doSpanMask(Slice logits, Slice bias, Slice scores, int[] tokenIds, int batch,
      int seq, int types, boolean tril) {
    long cells = (long) batch * types * seq * seq;
    if (cells == 0) {
      return;
    }
    long idsAt = ints.reserve(4L * batch * seq);
    device.copyIn(tokenIds, 0, idsAt, batch * seq);
    launch("span_mask", elementwiseBlocks(cells), THREADS, args.clear().address(address(logits))
        .address(address(bias)).address(address(scores)).address(idsAt).i64(cells).i32(seq)
        .i32(types).i32(tril ? 1 : 0));
  }

  /** dLogits one thread per cell; with a bias, dBias one thread per (b, t, x) (span.cu). */
  @Override
  protected void doSpanMaskBackward(Slice dScores, Slice dLogits, Slice dBias, int[] tokenIds,
      int batch, int seq, int types, boolean tril) {
    long lines = (long) batch * types * seq;
    if (lines == 0) {
      return;
    }
    long idsAt = ints.reserve(4L * batch * seq);
    device.copyIn(tokenIds, 0, idsAt, batch * seq);
    long logitCells = (long) batch * (dBias == null ? types : 1) * seq * seq;
    launch("span_logits_backward", elementwiseBlocks(logitCells), THREADS, args.clear()
        .address(address(dScores)).address(address(dLogits)).address(idsAt).i64(logitCells)
        .i32(seq).i32(types).i32(dBias == null ? 0 : 1).i32(tril ? 1 : 0));
    if (dBias != null) {
      launch("span_bias_backward", elementwiseBlocks(lines), THREADS, args.clear()
          .address(address(dScores)).address(address(dBias)).address(idsAt).i64(lines).i32(seq)
          .i32(types).i32(tril ? 1 : 0));
    }
  }

  /** One block per (b, t) row; the target cells by row (SpanRows) in one int scratch. */
  @Override
  protected double doSpanLoss(Slice scores, int[] spans, int batch, int seq, int types,
      Slice dScores, float gradScale) {
    int rows = batch * types;
    if (rows == 0) {
      return 0;
    }
    SpanRows targets = SpanRows.of(spans, batch, seq, types);
    long offsetsAt = ints.reserve(4L * (rows + 1 + Math.max(1, targets.size())));
    long cellsAt = offsetsAt + 4L * (rows + 1);
    device.copyIn(targets.offsets(), 0, offsetsAt, rows + 1);
    if (targets.size() > 0) {
      device.copyIn(targets.cells(), 0, cellsAt, targets.size());
    }
    long lossAt = doubles.reserve(8L * rows);
    launch("span_loss", rows, 1, 1, THREADS, args.clear().address(address(scores))
        .address(offsetsAt).address(cellsAt).i32(seq).address(address(dScores)).f32(gradScale)
        .address(lossAt));
    return sumRowLosses(lossAt, rows);
  }

  @Override
  protected double doCrfLoss(Slice emissions, Slice transitions, int[] tags, int[] tokenIds,
      int batch, int seq, int tagCount, Slice dEmissions, Slice dTransitions, float gradScale) {
    return tagPathLoss("crf_loss", emissions, transitions, tags, tokenIds, batch, seq, tagCount,
        dEmissions, dTransitions, gradScale);
  }

  @Override
  protected double doMemmLoss(Slice emissions, Slice transitions, int[] tags, int[] tokenIds,
      int batch, int seq, int tagCount, Slice dEmissions, Slice dTransitions, float gradScale) {
    return tagPathLoss("memm_loss", emissions, transitions, tags, tokenIds, batch, seq, tagCount,
        dEmissions, dTransitions, gradScale);
  }

  /**
   * A tag-path loss (tag_paths.cu): the tags, token ids and room for the positions in one int
   * scratch; two [tokens, tags] double work arrays, the sequences' transition partials and row
   * losses in the double scratch; one block per sequence, then the partials added into
   * dTransitions in sequence order.
   */
  private double tagPathLoss(String kernel, Slice emissions, Slice transitions, int[] tags,
      int[] tokenIds, int batch, int seq, int tagCount, Slice dEmissions, Slice dTransitions,
      float gradScale) {
    if (batch == 0) {
      return 0;
    }
    int tokens = batch * seq;
    long tagsAt = ints.reserve(12L * tokens);
    long idsAt = tagsAt + 4L * tokens;
    long positionsAt = idsAt + 4L * tokens;
    device.copyIn(tags, 0, tagsAt, tokens);
    device.copyIn(tokenIds, 0, idsAt, tokens);
    long perToken = 8L * tokens * tagCount;
    int square = tagCount * tagCount;
    long firstAt = doubles.reserve(2 * perToken + 8L * batch * square + 8L * batch);
    long secondAt = firstAt + perToken;
    long partialsAt = secondAt + perToken;
    long lossAt = partialsAt + 8L * batch * square;
    launch(kernel, batch, TAG_PATH_THREADS, args.clear().address(address(emissions))
        .address(address(transitions)).address(tagsAt).address(idsAt).i32(seq).i32(tagCount)
        .address(address(dEmissions)).f32(gradScale).address(positionsAt).address(firstAt)
        .address(secondAt).address(partialsAt).address(lossAt));
    launch("tag_path_transitions", elementwiseBlocks(square), THREADS, args.clear()
        .address(partialsAt).i32(batch).i32(square).f32(gradScale)
        .address(address(dTransitions)));
    return sumRowLosses(lossAt, batch);
  }

  /** The sum, in row order on the host, of the {@code rows} row losses (doubles) at lossAt. */
  private double sumRowLosses(long lossAt, int rows) {
    if (rowLoss.length < rows) {
      rowLoss = new double[rows];
    }
    device.copyOut(lossAt, rowLoss, 0, rows);
    double loss = 0;
    for (int r = 0; r < rows; r++) {
      loss += rowLoss[r];
    }
    return loss;
  }

  /**
   * Two launches (non_finite.cu): each block's lowest index into 8-byte partials, then the lowest of
   * those as one double, the only value copied to the host.
   */
  @Override
  protected long doFirstNonFinite(Slice x, long count) {
    if (count == 0) {
      return -1;
    }
    int blocks = elementwiseBlocks(count);
    long partials = doubles.reserve(8L * (blocks + 1));
    long result = partials + 8L * blocks;
    launch("non_finite_partials", blocks, THREADS, args.clear().address(address(x)).i64(count)
        .address(partials));
    launch("non_finite_first", 1, THREADS, args.clear().address(partials).i32(blocks).i64(count)
        .address(result));
    device.copyOut(result, firstNonFinite, 0, 1);
    return (long) firstNonFinite[0];
  }

  /** Every method and extension on the device ({@link DeviceOptimizer}). */
  @Override
  protected void doOptimizerStep(BoundOptimizer optimizer, OptimizerStep step, Slice params,
      Slice grads, Slice[] state) {
    for (int r = 0; r < StateRegion.COUNT; r++) {
      stateAt[r] = optimizer.regionFloats(StateRegion.of(r)) == 0 ? 0 : address(state[r]);
    }
    deviceOptimizer.step(optimizer, step, address(params), address(grads), stateAt);
  }

  /** Waits for every launched kernel; copies to the host wait anyway. */
  public void synchronize() {
    requireOpen();
    device.synchronize();
  }

  /** Memory of another CUDA backend is rejected: its addresses may be on another device. */
  @Override
  protected void checkMemory(String kernel, String name, CudaMemory memory, long offset,
      long extent) {
    if (memory.owner() != this) {
      throw new IllegalArgumentException(kernel + ": " + name + " is CUDA memory of another "
          + "backend, not of " + name());
    }
  }

  /** Frees the scratch buffers and every allocation still alive, and releases the GPU. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    ints.release();
    floats.release();
    doubles.release();
    maskRanks.release();
    deviceOptimizer.release();
    closed = true;
    device.close();
  }

  // ---------------------------------------------------------------- launch plumbing

  /** The three storage layouts of gemm.cu. */
  private enum Layout {
    NT("gemm_nt_128", "gemm_nt_64", "gemm_tf32_nt"),
    NN("gemm_nn_128", "gemm_nn_64", "gemm_tf32_nn"),
    TN("gemm_tn_128", "gemm_tn_64", "gemm_tf32_tn");

    final String large;
    final String small;
    final String tensorCores;

    Layout(String large, String small, String tensorCores) {
      this.large = large;
      this.small = small;
      this.tensorCores = tensorCores;
    }
  }

  /**
   * C[m, n] = op(A)·op(B) (+ C) (+ bias), out = act(C) when {@code out != 0}. 128 × 128 tiles when
   * they give every SM a block, else 64 × 64.
   */
  private void gemm(Layout layout, int m, int n, int k, long a, int lda, long b, int ldb, long c,
      int ldc, boolean accumulate, long bias, int activation, long out, int ldo) {
    int tile = tf32 || (long) ceil(m, 128) * ceil(n, 128) >= device.multiprocessors() ? 128 : 64;
    String kernel = tf32 ? layout.tensorCores : tile == 128 ? layout.large : layout.small;
    launch(kernel, ceil(n, tile), ceil(m, tile), 1, THREADS, args.clear().i32(m).i32(n).i32(k)
        .address(a).i32(lda).address(b).i32(ldb).address(c).i32(ldc).i32(accumulate ? 1 : 0)
        .address(bias).i32(activation).address(out).i32(ldo));
  }

  /** target[c] += Σ_r x[r, c] (= without {@code accumulate}) in a fixed order (column_sum.cu). */
  private void columnSums(long x, int rows, int width, long target, boolean accumulate) {
    int chunks = chunks(rows);
    long partials = floats.reserve(4L * chunks * width);
    launch("column_partial_sums", columnBlocks(width), chunks, 1, COLUMN_THREADS, args.clear()
        .address(x).i32(rows).i32(width).i32(ROWS_PER_CHUNK).address(partials));
    addPartials(partials, chunks, width, target, accumulate);
  }

  private void addPartials(long partials, int chunks, int width, long target, boolean accumulate) {
    launch("column_add_partials", columnBlocks(width), 1, 1, COLUMN_THREADS, args.clear()
        .address(partials).i32(chunks).i32(width).address(target).i32(accumulate ? 1 : 0));
  }

  private void launch(String kernel, int blocks, int threads, LaunchArgs launchArgs) {
    device.launch(kernel, blocks, 1, 1, threads, launchArgs);
  }

  private void launch(String kernel, int gridX, int gridY, int gridZ, int threads,
      LaunchArgs launchArgs) {
    device.launch(kernel, gridX, gridY, gridZ, threads, launchArgs);
  }

  /** Grid-stride kernels: enough blocks to fill the GPU a few times over, no more. */
  private int elementwiseBlocks(long count) {
    return (int) Math.max(1, Math.min((count + THREADS - 1) / THREADS,
        8L * device.multiprocessors()));
  }

  private static int rowThreads(int width) {
    return Math.min(THREADS, (width + 31) / 32 * 32);
  }

  /** Blocks of the norm kernels: one warp per row (layernorm.cu, rmsnorm.cu). */
  private static int normBlocks(int rows) {
    return ceil(rows, NORM_ROWS_PER_BLOCK);
  }

  private static int columnBlocks(int width) {
    return ceil(width, COLUMN_THREADS);
  }

  private static int chunks(int rows) {
    return ceil(rows, ROWS_PER_CHUNK);
  }

  /** The attention kernels' head-size class: 64 or 128 (attention.cu). */
  private static int attentionHeadSize(String kernel, AttentionShape shape) {
    int size = Math.max(shape.keySize(), shape.headSize());
    if (size > 128) {
      throw new UnsupportedOperationException(kernel + ": the CUDA attention kernels take key and"
          + " head sizes up to 128, got " + shape.keySize() + " and " + shape.headSize());
    }
    return size <= 64 ? 64 : 128;
  }

  /** Queries per block of the attention kernels for a head-size class (attention.cu). */
  private static int queryTile(int headSize) {
    return headSize == 64 ? 32 : 16;
  }

  private static int ceil(long n, int d) {
    return (int) ((n + d - 1) / d);
  }

  /** The device address a checked slice points at; 0 (none) for a null slice. */
  private static long address(Slice slice) {
    return slice == null ? 0 : ((CudaMemory) slice.memory()).address(slice.offset());
  }

  /** The activation codes of common.cuh. */
  static int activationCode(Activation activation) {
    if (activation == null) {
      return 0;
    }
    return switch (activation) {
      case GELU -> 1;
      case GELU_TANH -> 2;
      case RELU -> 3;
      case SWISH -> 4;
      case TANH -> 5;
    };
  }

  @Override
  protected void requireOpen() {
    if (closed) {
      throw new IllegalStateException(name() + " used after close()");
    }
  }
}
