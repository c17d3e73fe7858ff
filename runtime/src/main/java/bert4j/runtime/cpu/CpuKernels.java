package bert4j.runtime.cpu;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.CheckedKernels;
import bert4j.runtime.kernels.KernelArguments;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import bert4j.runtime.kernels.SpanRows;
import bert4j.runtime.optim.BoundOptimizer;
import bert4j.runtime.optim.OptimizerStep;
import bert4j.runtime.optim.StateRegion;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The CPU backend: gemms through OpenBLAS (all cores for the big ones), everything else fused Java
 * loops over direct buffers, split over a small fixed pool of threads. After warm-up no call allocates
 * on the Java heap. Calls come from one thread at a time (the model's); {@link CheckedKernels}
 * checks their arguments first.
 */
public final class CpuKernels extends CheckedKernels<CpuMemory> {
  private final ParallelRows pool;
  private final Scratch[] scratch;
  private final ActivationKernels activations;
  /** oneDNN's activations and their derivatives, or null where oneDNN did not load. */
  private final OneDnnEltwise eltwise;
  private final LinearKernels linear;
  private final Precision precision;
  /**
   * The linear layers' forward on packed weights: bf16 or int8 copies, or in float32 the weights a
   * model declared ({@link #linearWeight}), packed in place; null where oneDNN did not load.
   */
  private final PackedLinear packed;
  /** Each pool thread's oneDNN products; null where oneDNN did not load. */
  private final OneDnnSgemm[] products;
  private final LayerNormKernels layerNorm;
  private final ConditionalLayerNormKernels conditionalLayerNorm;
  private final RmsNormKernels rmsNorm;
  private final AddKernels add;
  private final ColumnCopyKernels columnCopy;
  private final ElementwiseKernels elementwise;
  private final RelativeBiasKernels relativeBias;
  private final DecoderAttentionKernels decoderAttention;
  private final RotaryKernels rotary;
  private final AttentionKernels attention;
  private final CachedAttentionKernels cachedAttention;
  private final UnfusedAttentionKernels unfusedAttention;
  private final AttentionNormalizationKernels attentionNormalization;
  private final RelativePositionKernels relativePositions;
  private final TalkingHeadsKernels talkingHeads;
  private final EmbeddingKernels embedding;
  private final HierarchicalPositionKernels hierarchicalPositions;
  private final DropoutKernels dropout;
  private final CrossEntropyKernels crossEntropy;
  private final SigmoidCrossEntropyKernels sigmoidCrossEntropy;
  private final CrfKernels crf;
  private final MemmKernels memm;
  private final SpanKernels spans;
  private final NonFiniteScan nonFinite;
  private final FillKernels fill;
  private final OptimizerThreads optimizerThreads;
  private final FloatBuffer[] optimizerState = new FloatBuffer[StateRegion.COUNT];
  /** The update of each bound optimizer this backend has run, kept while the optimizer lives. */
  private final Map<BoundOptimizer, CpuOptimizerStep> optimizerSteps = new WeakHashMap<>();
  private boolean closed;

  /** The windows of memory larger than one window start this many floats apart. */
  private final long windowStride;

  /** A backend using every available processor. */
  public CpuKernels() {
    this(Runtime.getRuntime().availableProcessors());
  }

  /**
   * An inference backend using every available processor whose linear layers run in
   * {@code precision} ({@link Precision}); where this CPU or platform cannot (no AVX-512 BF16 or AMX
   * for bf16, no VNNI for int8, oneDNN not loadable), one log line says so and they run in float32
   * ({@link #precision()} tells which). A model on reduced-precision kernels cannot train: the
   * linear backward pass refuses.
   */
  public CpuKernels(Precision precision) {
    this(Runtime.getRuntime().availableProcessors(), CpuMemory.DEFAULT_STRIDE, precision,
        ReducedPrecision.unavailableReason(precision));
  }

  /**
   * A backend using {@code threads} threads, for Java loops and for OpenBLAS alike (OpenBLAS's thread
   * count is process-wide: the last backend created sets it).
   */
  public CpuKernels(int threads) {
    this(threads, CpuMemory.DEFAULT_STRIDE);
  }

  /**
   * A backend whose memory larger than {@code 2 × windowStride − 1} floats is addressed in windows
   * {@code windowStride} floats apart ({@link CpuMemory}); tests lower it to take that path at a
   * small size.
   */
  CpuKernels(int threads, long windowStride) {
    this(threads, windowStride, Precision.FLOAT32, null);
  }

  /**
   * A backend running its linear layers in {@code requested} precision, or in float32 (said in one
   * log line) where {@code unavailable} gives a reason it cannot; tests pass a reason to take that
   * path on any machine.
   */
  CpuKernels(int threads, long windowStride, Precision requested, String unavailable) {
    super(CpuMemory.class);
    if (windowStride < 1 || windowStride > CpuMemory.DEFAULT_STRIDE) {
      throw new IllegalArgumentException("windowStride=" + windowStride + " must be in [1, "
          + CpuMemory.DEFAULT_STRIDE + "]");
    }
    this.windowStride = windowStride;
    this.pool = new ParallelRows(threads);
    Blas.threads(threads);
    this.scratch = Scratch.perThread(pool);
    this.eltwise = OneDnn.get() == null ? null : new OneDnnEltwise(OneDnn.get(), threads);
    this.activations = new ActivationKernels(pool, scratch, eltwise);
    this.precision = ReducedPrecision.effective(requested, unavailable);
    this.packed = OneDnn.get() == null ? null : new PackedLinear(precision, OneDnn.get(), pool);
    this.products = OneDnn.get() == null ? null : OneDnnSgemm.perThread(OneDnn.get(), threads);
    this.linear = new LinearKernels(pool, activations, products);
    this.layerNorm = new LayerNormKernels(pool, scratch);
    this.conditionalLayerNorm = new ConditionalLayerNormKernels(pool, scratch);
    this.rmsNorm = new RmsNormKernels(pool, scratch);
    this.add = new AddKernels(pool, scratch);
    this.columnCopy = new ColumnCopyKernels(pool);
    this.elementwise = new ElementwiseKernels(pool, scratch);
    this.relativeBias = new RelativeBiasKernels(pool, scratch);
    this.decoderAttention = new DecoderAttentionKernels(pool);
    this.rotary = new RotaryKernels(pool, scratch);
    this.attention = new AttentionKernels(pool, scratch, OneDnn.get(), products);
    this.cachedAttention = new CachedAttentionKernels(pool, scratch);
    this.unfusedAttention = new UnfusedAttentionKernels(pool);
    this.attentionNormalization = new AttentionNormalizationKernels(pool, scratch);
    this.relativePositions = new RelativePositionKernels(pool, scratch);
    this.talkingHeads = new TalkingHeadsKernels(pool);
    this.embedding = new EmbeddingKernels(pool, scratch);
    this.hierarchicalPositions = new HierarchicalPositionKernels(pool, scratch);
    this.dropout = new DropoutKernels(pool, scratch);
    this.crossEntropy = new CrossEntropyKernels(pool, scratch);
    this.sigmoidCrossEntropy = new SigmoidCrossEntropyKernels(pool);
    this.crf = new CrfKernels(pool);
    this.spans = new SpanKernels(pool, scratch);
    this.memm = new MemmKernels(pool);
    this.nonFinite = new NonFiniteScan(pool, scratch);
    this.fill = new FillKernels(pool);
    this.optimizerThreads = new OptimizerThreads(pool);
  }

  @Override
  public String name() {
    return "cpu (" + pool.threads() + " threads, "
        + (products == null ? "OpenBLAS" : "oneDNN and OpenBLAS")
        + (precision == Precision.FLOAT32 ? "" : ", " + precision + " linear layers by oneDNN")
        + ")";
  }

  /** Weight matrices held in the reduced-precision layout (0 in float32); for tests. */
  int preparedWeights() {
    return packed == null ? 0 : packed.preparedCount();
  }

  /** Float32 weights packed in place now ({@link #linearWeight}); for tests. */
  int weightsPackedInPlace() {
    return packed == null ? 0 : packed.packedInPlace();
  }

  /** Products so far that read their x as a bf16 intermediate ({@link #linearIntermediate}); for tests. */
  long intermediatesReadInBf16() {
    return packed == null ? 0 : packed.intermediatesRead();
  }

  /** The precision the linear layers run in: the one asked for, or float32 where it is unavailable. */
  public Precision precision() {
    return precision;
  }

  @Override
  public Memory allocate(long floats) {
    requireOpen();
    return new CpuMemory(floats, pool.threads(), windowStride, false);
  }

  /**
   * {@link #allocate}, memory of {@link CpuMemory#HUGE_PAGE_FLOATS} floats or more on 2 MiB pages
   * ({@link HugePages}).
   */
  @Override
  public Memory allocateForTraining(long floats) {
    requireOpen();
    return new CpuMemory(floats, pool.threads(), windowStride, true);
  }

  @Override
  protected void doWrite(float[] source, int sourceOffset, Slice target, int count) {
    touching(target, count);
    written(target);
    cpu(target).floats().put(offset(target), source, sourceOffset, count);
  }

  @Override
  protected void doRead(Slice source, float[] target, int targetOffset, int count) {
    touching(source, count);
    cpu(source).floats().get(offset(source), target, targetOffset, count);
  }

  @Override
  protected void doFill(Slice target, long count, float value) {
    touching(target, count);
    written(target);
    fill.fill(cpu(target).floats(), offset(target), count, value);
  }

  @Override
  protected void doEmbedding(int[] ids, int rows, Slice table, int width, Slice out,
      boolean accumulate) {
    embedding.forward(ids, rows, cpu(table).floats(), offset(table), width, cpu(out).floats(),
        offset(out), accumulate);
  }

  @Override
  protected void doEmbeddingBackward(int[] ids, int rows, Slice dOut, int width, Slice dTable) {
    embedding.backward(ids, rows, cpu(dOut).floats(), offset(dOut), width, cpu(dTable).floats(),
        offset(dTable));
  }

  @Override
  protected void doHierarchicalPositions(int batch, int seq, Slice table, int rows, int width,
      float alpha, Slice out) {
    hierarchicalPositions.forward(batch, seq, cpu(table).floats(), offset(table), rows, width,
        alpha, cpu(out).floats(), offset(out));
  }

  @Override
  protected void doHierarchicalPositionsBackward(int batch, int seq, Slice dOut, int rows,
      int width, float alpha, Slice dTable) {
    hierarchicalPositions.backward(batch, seq, cpu(dOut).floats(), offset(dOut), rows, width,
        alpha, cpu(dTable).floats(), offset(dTable));
  }

  @Override
  protected void doLinear(Slice x, int xStride, Slice w, Slice bias, Activation activation,
      Slice pre, Slice out, int rows, int in, int outWidth) {
    boolean fused = pre.equals(out);
    if (packed != null && (rows > 1 || precision == Precision.FLOAT32)
        && packed.forward(cpu(x), offset(x), xStride, cpu(w),
        offset(w), cpu(bias), offset(bias), fused ? activation : null, cpu(pre), offset(pre),
        fused, rows, in, outWidth)) {
      activations.epilogue(cpu(pre), offset(pre), null, 0, fused ? null : activation, cpu(out),
          offset(out), rows, outWidth);
      return;
    }
    touching(x, KernelArguments.extent(rows, xStride, in));
    linear.forward(cpu(x), offset(x), xStride, cpu(w), offset(w), cpu(bias), offset(bias),
        activation, cpu(pre), offset(pre), cpu(out), offset(out), rows, in, outWidth);
  }

  @Override
  protected void doLinearWeight(Slice w, int in, int outWidth) {
    if (packed != null) {
      packed.declare(cpu(w), offset(w), in, outWidth);
    }
  }

  @Override
  protected void doLinearIntermediate(Slice hidden, int width) {
    if (packed != null) {
      packed.declareIntermediate(cpu(hidden), offset(hidden), width);
    }
  }

  @Override
  protected void doLinearBackward(Slice dPre, Slice x, int xStride, Slice w, Slice dx,
      int dxStride, boolean accumulateDx, Slice dw, Slice dBias, boolean accumulateParams,
      int rows, int in, int outWidth) {
    if (precision != Precision.FLOAT32) {
      throw new IllegalStateException("linear backward on " + precision + " kernels: reduced "
          + "precision is for inference; train on float32 CpuKernels");
    }
    touching(w, (long) outWidth * in);
    linear.backward(cpu(dPre), offset(dPre), cpu(x), offset(x), xStride, cpu(w), offset(w),
        cpu(dx), offset(dx), dxStride, accumulateDx, cpu(dw), offset(dw), cpu(dBias),
        offset(dBias), accumulateParams, rows, in, outWidth);
  }

  @Override
  protected void doActivationBackward(Activation activation, Slice pre, Slice dOut, Slice dPre,
      long count) {
    activations.derivative(activation, cpu(pre), offset(pre), cpu(dOut), offset(dOut), cpu(dPre),
        offset(dPre), count);
  }

  @Override
  protected void doLayerNorm(Slice x, Slice residual, Slice gamma, Slice beta, float eps,
      Slice out, Slice mean, Slice rstd, int rows, int width) {
    layerNorm.forward(cpu(x).floats(), offset(x),
        residual == null ? null : cpu(residual).floats(), offset(residual), cpu(gamma).floats(),
        offset(gamma), cpu(beta).floats(), offset(beta), eps, cpu(out).floats(), offset(out),
        cpu(mean).floats(), offset(mean), cpu(rstd).floats(), offset(rstd), rows, width);
  }

  @Override
  protected void doLayerNormBackward(Slice dOut, Slice h, Slice mean, Slice rstd, Slice gamma,
      Slice dH, Slice dGamma, Slice dBeta, int rows, int width) {
    layerNorm.backward(cpu(dOut).floats(), offset(dOut), cpu(h).floats(), offset(h),
        cpu(mean).floats(), offset(mean), cpu(rstd).floats(), offset(rstd), cpu(gamma).floats(),
        offset(gamma), cpu(dH).floats(), offset(dH), cpu(dGamma).floats(), offset(dGamma),
        cpu(dBeta).floats(), offset(dBeta), rows, width);
  }

  @Override
  protected void doConditionalLayerNorm(Slice x, Slice residual, Slice gammas, Slice betas,
      float eps, Slice out, Slice mean, Slice rstd, int batch, int seq, int width) {
    conditionalLayerNorm.forward(cpu(x).floats(), offset(x), floats(residual), offset(residual),
        cpu(gammas).floats(), offset(gammas), cpu(betas).floats(), offset(betas), eps,
        cpu(out).floats(), offset(out), cpu(mean).floats(), offset(mean), cpu(rstd).floats(),
        offset(rstd), batch, seq, width);
  }

  @Override
  protected void doConditionalLayerNormBackward(Slice dOut, Slice h, Slice mean, Slice rstd,
      Slice gammas, Slice dH, Slice dGammas, Slice dBetas, int batch, int seq, int width) {
    conditionalLayerNorm.backward(cpu(dOut).floats(), offset(dOut), cpu(h).floats(), offset(h),
        cpu(mean).floats(), offset(mean), cpu(rstd).floats(), offset(rstd),
        cpu(gammas).floats(), offset(gammas), cpu(dH).floats(), offset(dH),
        cpu(dGammas).floats(), offset(dGammas), cpu(dBetas).floats(), offset(dBetas), batch, seq,
        width);
  }

  @Override
  protected void doRmsNorm(Slice x, Slice residual, Slice gamma, float eps, Slice out, Slice rstd,
      int rows, int width) {
    rmsNorm.forward(cpu(x).floats(), offset(x), floats(residual), offset(residual), floats(gamma),
        offset(gamma), eps, cpu(out).floats(), offset(out), cpu(rstd).floats(), offset(rstd), rows,
        width);
  }

  @Override
  protected void doRmsNormBackward(Slice dOut, Slice h, Slice rstd, Slice gamma, Slice dH,
      Slice dGamma, int rows, int width) {
    rmsNorm.backward(cpu(dOut).floats(), offset(dOut), cpu(h).floats(), offset(h),
        cpu(rstd).floats(), offset(rstd), floats(gamma), offset(gamma), cpu(dH).floats(),
        offset(dH), floats(dGamma), offset(dGamma), rows, width);
  }

  @Override
  protected void doAdd(Slice a, Slice b, Slice out, long count) {
    add.add(cpu(a).floats(), offset(a), cpu(b).floats(), offset(b), cpu(out).floats(),
        offset(out), count);
  }

  @Override
  protected void doMultiply(Slice a, Slice b, Slice out, long count) {
    elementwise.multiply(cpu(a).floats(), offset(a), cpu(b).floats(), offset(b),
        cpu(out).floats(), offset(out), count);
  }

  @Override
  protected void doScale(Slice x, float alpha, Slice out, long count) {
    elementwise.scale(cpu(x).floats(), offset(x), alpha, cpu(out).floats(), offset(out), count);
  }

  @Override
  protected void doRelativePositionBias(AttentionShape shape, Slice table, int buckets,
      int maxDistance, boolean bidirectional, Slice scores) {
    relativeBias.bias(shape.batch(), shape.seq(), shape.heads(), cpu(table).floats(),
        offset(table), buckets, maxDistance, bidirectional, cpu(scores).floats(), offset(scores));
  }

  @Override
  protected void doRelativePositionBiasBackward(AttentionShape shape, Slice dScores, int buckets,
      int maxDistance, boolean bidirectional, Slice dTable) {
    relativeBias.backward(shape.batch(), shape.seq(), shape.heads(), cpu(dScores).floats(),
        offset(dScores), buckets, maxDistance, bidirectional, cpu(dTable).floats(),
        offset(dTable));
  }

  @Override
  protected void doDecoderAttention(AttentionShape shape, int capacity, int[] starts,
      int keyLength, int[] keyIds, Slice table, int buckets, int maxDistance, Slice q, Slice k,
      Slice v, Slice keyCache, Slice valueCache, Slice ctx) {
    decoderAttention.attend(shape.batch(), shape.seq(), shape.heads(), shape.keySize(),
        shape.headSize(), shape.scale(), capacity, starts, keyLength, keyIds, floats(table),
        offset(table), buckets, maxDistance, cpu(q).floats(), offset(q), floats(k), offset(k),
        floats(v), offset(v), cpu(keyCache).floats(), offset(keyCache), cpu(valueCache).floats(),
        offset(valueCache), cpu(ctx).floats(), offset(ctx));
  }

  @Override
  protected void doRotary(Slice x, int batch, int seq, int heads, int size, boolean inverse) {
    rotary.apply(cpu(x).floats(), offset(x), batch, seq, heads, size, inverse);
  }

  @Override
  protected void doRotaryAt(Slice x, int[] positions, int rows, int heads, int size) {
    rotary.applyAt(cpu(x).floats(), offset(x), positions, rows, heads, size);
  }

  @Override
  protected void doCachedAttention(AttentionShape shape, int capacity, Mask mask,
      int[] cacheTokens, int[] cacheSegments, int[] starts, Slice q, Slice k, Slice v,
      Slice keyCache, Slice valueCache, Slice ctx) {
    cachedAttention.forward(new CachedAttentionKernels.Shape(shape.batch(), shape.seq(), capacity,
        shape.heads(), shape.keySize(), shape.headSize(), shape.scale()), mask, cacheTokens,
        cacheSegments, starts, cpu(q), offset(q), cpu(k), offset(k), cpu(v), offset(v),
        cpu(keyCache), offset(keyCache), cpu(valueCache), offset(valueCache), cpu(ctx),
        offset(ctx));
  }

  @Override
  protected void doCopy(Slice source, Slice target, long count) {
    touching(source, count);
    touching(target, count);
    written(target);
    cpu(target).floats().put(offset(target), cpu(source).floats(), offset(source), (int) count);
  }

  @Override
  protected void doCopyColumns(Slice source, int sourceWidth, int sourceColumn, Slice target,
      int targetWidth, int targetColumn, int rows, int width) {
    columnCopy.copy(cpu(source).floats(), offset(source) + sourceColumn, sourceWidth,
        cpu(target).floats(), offset(target) + targetColumn, targetWidth, rows, width);
  }

  @Override
  protected void doAttention(AttentionShape shape, Mask mask, int[] tokenIds, int[] segmentIds,
      Slice q, Slice k, Slice v, int qkStride, int vStride, Slice probs, Slice ctx, float dropout,
      long seed) {
    attention.forward(shape.batch(), shape.seq(), shape.heads(), shape.keySize(), shape.headSize(),
        shape.scale(), mask == null ? Mask.NONE : mask, tokenIds, segmentIds, cpu(q), offset(q),
        cpu(k), offset(k), cpu(v), offset(v), qkStride, vStride, cpu(probs), offset(probs),
        cpu(ctx), offset(ctx), dropout, seed);
  }

  @Override
  protected void doAttentionBackward(AttentionShape shape, Mask mask, int[] tokenIds,
      int[] segmentIds, Slice q, Slice k, Slice v, int qkStride, int vStride, Slice probs,
      Slice dCtx, Slice dq, Slice dk, Slice dv, float dropout, long seed) {
    attention.backward(shape.batch(), shape.seq(), shape.heads(), shape.keySize(),
        shape.headSize(), shape.scale(), mask == null ? Mask.NONE : mask, tokenIds, segmentIds,
        cpu(q), offset(q), cpu(k), offset(k), cpu(v), offset(v), qkStride, vStride, cpu(probs),
        offset(probs), cpu(dCtx), offset(dCtx), cpu(dq), offset(dq), cpu(dk), offset(dk), cpu(dv),
        offset(dv), dropout, seed);
  }

  @Override
  protected void doAttentionScores(AttentionShape shape, Slice q, Slice k, Slice scores) {
    unfusedAttention.scores(shape.batch(), shape.seq(), shape.heads(), shape.keySize(),
        shape.scale(), cpu(q), offset(q), cpu(k), offset(k), cpu(scores), offset(scores));
  }

  @Override
  protected void doAttentionScoresBackward(AttentionShape shape, Slice q, Slice k, Slice dScores,
      Slice dq, Slice dk) {
    unfusedAttention.scoresBackward(shape.batch(), shape.seq(), shape.heads(), shape.keySize(),
        shape.scale(), cpu(q), offset(q), cpu(k), offset(k), cpu(dScores), offset(dScores),
        cpu(dq), offset(dq), cpu(dk), offset(dk));
  }

  @Override
  protected void doRelativeScores(AttentionShape shape, Slice q, int maxRelative, Slice scores) {
    relativePositions.scores(shape.batch(), shape.seq(), shape.heads(), shape.keySize(),
        shape.scale(), maxRelative, cpu(q).floats(), offset(q), cpu(scores).floats(),
        offset(scores));
  }

  @Override
  protected void doRelativeScoresBackward(AttentionShape shape, Slice dScores, int maxRelative,
      Slice dq) {
    relativePositions.scoresBackward(shape.batch(), shape.seq(), shape.heads(), shape.keySize(),
        shape.scale(), maxRelative, cpu(dScores).floats(), offset(dScores), cpu(dq).floats(),
        offset(dq));
  }

  @Override
  protected void doAttentionNormalize(AttentionShape shape, Mask mask, Normalization normalization,
      int[] tokenIds, int[] segmentIds, Slice scores, Slice probs) {
    attentionNormalization.forward(shape.batch(), shape.seq(), shape.heads(),
        mask == null ? Mask.NONE : mask, normalization, tokenIds, segmentIds,
        cpu(scores).floats(), offset(scores), cpu(probs).floats(), offset(probs));
  }

  @Override
  protected void doAttentionNormalizeBackward(AttentionShape shape, Mask mask,
      Normalization normalization, int[] tokenIds, int[] segmentIds, Slice scores, Slice probs,
      Slice dProbs, Slice dScores) {
    attentionNormalization.backward(shape.batch(), shape.seq(), shape.heads(),
        mask == null ? Mask.NONE : mask, normalization, tokenIds, segmentIds, floats(scores),
        offset(scores), cpu(probs).floats(), offset(probs), cpu(dProbs).floats(), offset(dProbs),
        cpu(dScores).floats(), offset(dScores));
  }

  @Override
  protected void doAttentionContext(AttentionShape shape, Slice probs, Slice v, Slice ctx) {
    unfusedAttention.context(shape.batch(), shape.seq(), shape.heads(), shape.headSize(),
        cpu(probs), offset(probs), cpu(v), offset(v), cpu(ctx), offset(ctx));
  }

  @Override
  protected void doAttentionContextBackward(AttentionShape shape, Slice probs, Slice v,
      Slice dCtx, Slice dProbs, Slice dv) {
    unfusedAttention.contextBackward(shape.batch(), shape.seq(), shape.heads(), shape.headSize(),
        cpu(probs), offset(probs), cpu(v), offset(v), cpu(dCtx), offset(dCtx), cpu(dProbs),
        offset(dProbs), cpu(dv), offset(dv));
  }

  @Override
  protected void doRelativeContext(AttentionShape shape, Slice probs, int maxRelative,
      Slice ctx) {
    relativePositions.context(shape.batch(), shape.seq(), shape.heads(), shape.headSize(),
        maxRelative, cpu(probs).floats(), offset(probs), cpu(ctx).floats(), offset(ctx));
  }

  @Override
  protected void doRelativeContextBackward(AttentionShape shape, Slice dCtx, int maxRelative,
      Slice dProbs) {
    relativePositions.contextBackward(shape.batch(), shape.seq(), shape.heads(),
        shape.headSize(), maxRelative, cpu(dCtx).floats(), offset(dCtx), cpu(dProbs).floats(),
        offset(dProbs));
  }

  @Override
  protected void doMixHeads(AttentionShape shape, Slice x, Slice w, Slice out) {
    talkingHeads.mix(shape.batch(), shape.seq(), shape.heads(), cpu(x), offset(x), cpu(w),
        offset(w), cpu(out), offset(out));
  }

  @Override
  protected void doMixHeadsBackward(AttentionShape shape, Slice x, Slice w, Slice dOut, Slice dx,
      Slice dw) {
    talkingHeads.backward(shape.batch(), shape.seq(), shape.heads(), cpu(x), offset(x), cpu(w),
        offset(w), cpu(dOut), offset(dOut), cpu(dx), offset(dx), cpu(dw), offset(dw));
  }

  @Override
  protected void doDropout(Slice x, Slice out, long count, float p, long seed) {
    dropout.apply(cpu(x).floats(), offset(x), cpu(out).floats(), offset(out), count, p, seed);
  }

  @Override
  protected void doDropoutBackward(Slice dOut, Slice dx, long count, float p, long seed) {
    dropout.apply(cpu(dOut).floats(), offset(dOut), cpu(dx).floats(), offset(dx), count, p, seed);
  }

  @Override
  protected double doSoftmaxCrossEntropy(Slice logits, int[] targets, int rows, int classes,
      Slice dLogits, float gradScale) {
    return crossEntropy.run(cpu(logits).floats(), offset(logits), targets, rows, classes,
        cpu(dLogits).floats(), offset(dLogits), gradScale);
  }

  @Override
  protected double doSigmoidCrossEntropy(Slice logits, int[] targets, int rows, Slice dLogits,
      float gradScale) {
    return sigmoidCrossEntropy.run(cpu(logits).floats(), offset(logits), targets, rows,
        cpu(dLogits).floats(), offset(dLogits), gradScale);
  }

  @Override
  protected void doSpanMask(Slice logits, Slice bias, Slice scores, int[] tokenIds, int batch,
      int seq, int types, boolean tril) {
    spans.mask(cpu(logits).floats(), offset(logits), bias == null ? null : cpu(bias).floats(),
        bias == null ? 0 : offset(bias), cpu(scores).floats(), offset(scores), tokenIds, batch,
        seq, types, tril);
  }

  @Override
  protected void doSpanMaskBackward(Slice dScores, Slice dLogits, Slice dBias, int[] tokenIds,
      int batch, int seq, int types, boolean tril) {
    spans.maskBackward(cpu(dScores).floats(), offset(dScores), cpu(dLogits).floats(),
        offset(dLogits), dBias == null ? null : cpu(dBias).floats(),
        dBias == null ? 0 : offset(dBias), tokenIds, batch, seq, types, tril);
  }

  @Override
  protected double doSpanLoss(Slice scores, int[] spanTargets, int batch, int seq, int types,
      Slice dScores, float gradScale) {
    return spans.loss(cpu(scores).floats(), offset(scores),
        SpanRows.of(spanTargets, batch, seq, types), batch, seq, types, cpu(dScores).floats(),
        offset(dScores), gradScale);
  }

  @Override
  protected double doCrfLoss(Slice emissions, Slice transitions, int[] tags, int[] tokenIds,
      int batch, int seq, int tagCount, Slice dEmissions, Slice dTransitions, float gradScale) {
    return crf.run(cpu(emissions).floats(), offset(emissions), cpu(transitions).floats(),
        offset(transitions), tags, tokenIds, batch, seq, tagCount, cpu(dEmissions).floats(),
        offset(dEmissions), cpu(dTransitions).floats(), offset(dTransitions), gradScale);
  }

  @Override
  protected double doMemmLoss(Slice emissions, Slice transitions, int[] tags, int[] tokenIds,
      int batch, int seq, int tagCount, Slice dEmissions, Slice dTransitions, float gradScale) {
    return memm.run(cpu(emissions).floats(), offset(emissions), cpu(transitions).floats(),
        offset(transitions), tags, tokenIds, batch, seq, tagCount, cpu(dEmissions).floats(),
        offset(dEmissions), cpu(dTransitions).floats(), offset(dTransitions), gradScale);
  }

  @Override
  protected long doFirstNonFinite(Slice x, long count) {
    return nonFinite.first(cpu(x), offset(x), count);
  }

  /** {@link CpuOptimizerStep} on the backend's threads. */
  @Override
  protected void doOptimizerStep(BoundOptimizer optimizer, OptimizerStep step, Slice params,
      Slice grads, Slice[] state) {
    CpuOptimizerStep update = optimizerSteps.get(optimizer);
    if (update == null) {
      update = new CpuOptimizerStep(optimizer);
      optimizerSteps.put(optimizer, update);
    }
    FloatBuffer p = from(cpu(params).floats(), params);
    FloatBuffer g = from(cpu(grads).floats(), grads);
    try {
      for (int r = 0; r < StateRegion.COUNT; r++) {
        Slice slice = state[r];
        optimizerState[r] = optimizer.regionFloats(StateRegion.of(r)) == 0 ? null
            : from(cpu(slice).floats(), slice);
      }
      update.apply(step, p, g, optimizerState, optimizerThreads);
    } finally {
      Arrays.fill(optimizerState, null);
    }
  }

  /** The buffer seen from {@code slice}'s offset on, indexed from 0 (itself at offset 0). */
  private static FloatBuffer from(FloatBuffer buffer, Slice slice) {
    return offset(slice) == 0 ? buffer : buffer.duplicate().position(offset(slice)).slice();
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
    if (!closed) {
      if (packed != null) {
        packed.close();
      }
      if (products != null) {
        for (OneDnnSgemm p : products) {
          p.close();
        }
      }
      attention.close();
      if (eltwise != null) {
        eltwise.close();
      }
    }
    closed = true;
    pool.close();
  }

  @Override
  protected void requireOpen() {
    if (closed) {
      throw new IllegalStateException(name() + " used after close()");
    }
  }

  /**
   * A kernel argument must lie inside one window of its memory (always so for memory of one window,
   * and for any tensor of up to the windows' stride).
   */
  @Override
  protected void checkMemory(String kernel, String name, CpuMemory memory, long offset,
      long extent) {
    if (!memory.fits(offset, extent)) {
      throw new IllegalArgumentException(kernel + ": " + name + " spans " + extent
          + " floats from offset " + offset + ", more than one window of CPU memory holds: in "
          + "memory of " + memory.size() + " floats, one kernel argument may span up to "
          + memory.largestTensor() + " floats");
    }
  }

  /**
   * Before anything but a product reads or writes {@code count} floats at {@code slice}: float32
   * weights packed in place there get their layout back, and an intermediate held in bf16
   * ({@link #linearIntermediate}) its float32 values.
   */
  private void touching(Slice slice, long count) {
    if (packed != null) {
      packed.touching(cpu(slice), offset(slice), count);
    }
  }

  /** Tells the packed linear layers that {@code target}'s window changed. */
  private void written(Slice target) {
    if (packed != null) {
      packed.written(cpu(target));
    }
  }

  /**
   * The window of CPU memory holding a checked slice; null for a null slice (an absent optional
   * argument).
   */
  private static CpuWindow cpu(Slice slice) {
    return slice == null ? null : ((CpuMemory) slice.memory()).window(slice.offset());
  }

  /** The floats behind a checked slice; null for a null slice (an absent optional argument). */
  private static FloatBuffer floats(Slice slice) {
    return slice == null ? null : cpu(slice).floats();
  }

  /** A checked slice's offset in its window ({@link #cpu}); 0 for a null slice. */
  private static int offset(Slice slice) {
    return slice == null ? 0 : ((CpuMemory) slice.memory()).indexInWindow(slice.offset());
  }
}
