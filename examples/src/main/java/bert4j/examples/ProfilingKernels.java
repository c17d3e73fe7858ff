package bert4j.examples;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Memory;
import bert4j.runtime.kernels.Slice;
import bert4j.runtime.optim.BoundOptimizer;
import java.util.EnumMap;
import java.util.Map;

/**
 * A {@link Kernels} decorator that adds up the wall time spent in each kernel, so the benchmark can
 * say where a forward pass or a training step spends its time. Costs two {@code nanoTime} calls per
 * kernel call.
 */
final class ProfilingKernels implements Kernels {
  /** The kernels timed, one bucket each. */
  enum Kernel {
    EMBEDDING, EMBEDDING_BACKWARD, HIERARCHICAL_POSITIONS, HIERARCHICAL_POSITIONS_BACKWARD, LINEAR,
    LINEAR_BACKWARD, ACTIVATION_BACKWARD, LAYER_NORM, LAYER_NORM_BACKWARD, CONDITIONAL_LAYER_NORM,
    CONDITIONAL_LAYER_NORM_BACKWARD, RMS_NORM, RMS_NORM_BACKWARD, ADD, ROTARY, ROTARY_AT, ATTENTION, CACHED_ATTENTION,
    ATTENTION_BACKWARD,
    ATTENTION_SCORES, ATTENTION_SCORES_BACKWARD, RELATIVE_SCORES, RELATIVE_SCORES_BACKWARD,
    MULTIPLY, SCALE, RELATIVE_POSITION_BIAS, RELATIVE_POSITION_BIAS_BACKWARD, DECODER_ATTENTION,
    ATTENTION_NORMALIZE, ATTENTION_NORMALIZE_BACKWARD, ATTENTION_CONTEXT, ATTENTION_CONTEXT_BACKWARD,
    RELATIVE_CONTEXT, RELATIVE_CONTEXT_BACKWARD, MIX_HEADS, MIX_HEADS_BACKWARD, DROPOUT,
    DROPOUT_BACKWARD, CROSS_ENTROPY, SIGMOID_CROSS_ENTROPY, CRF_LOSS, MEMM_LOSS, SPAN_MASK,
    SPAN_MASK_BACKWARD, SPAN_LOSS, OPTIMIZER, NON_FINITE_CHECK, FILL, COPY, DEVICE_COPY,
    COPY_COLUMNS
  }

  private final Kernels delegate;
  private final long[] nanos = new long[Kernel.values().length];
  /** Floating-point operations of the {@link Kernel#LINEAR} calls since the last reset (2·rows·in·out each). */
  private long linearFlops;

  ProfilingKernels(Kernels delegate) {
    this.delegate = delegate;
  }

  /** Milliseconds per kernel since the last {@link #reset}, in declaration order, zeros left out. */
  Map<Kernel, Double> millis() {
    Map<Kernel, Double> millis = new EnumMap<>(Kernel.class);
    for (Kernel k : Kernel.values()) {
      if (nanos[k.ordinal()] > 0) {
        millis.put(k, nanos[k.ordinal()] / 1e6);
      }
    }
    return millis;
  }

  /** The {@link Kernel#LINEAR} calls' floating-point operations since the last {@link #reset}. */
  long linearFlops() {
    return linearFlops;
  }

  void reset() {
    java.util.Arrays.fill(nanos, 0);
    linearFlops = 0;
  }

  private void record(Kernel kernel, long start) {
    nanos[kernel.ordinal()] += System.nanoTime() - start;
  }

  @Override
  public String name() {
    return delegate.name() + ", profiled";
  }

  @Override
  public Memory allocate(long floats) {
    return delegate.allocate(floats);
  }

  @Override
  public Memory allocateForTraining(long floats) {
    return delegate.allocateForTraining(floats);
  }

  @Override
  public void write(float[] source, int sourceOffset, Slice target, int count) {
    long t = System.nanoTime();
    delegate.write(source, sourceOffset, target, count);
    record(Kernel.COPY, t);
  }

  @Override
  public void read(Slice source, float[] target, int targetOffset, int count) {
    long t = System.nanoTime();
    delegate.read(source, target, targetOffset, count);
    record(Kernel.COPY, t);
  }

  @Override
  public void fill(Slice target, long count, float value) {
    long t = System.nanoTime();
    delegate.fill(target, count, value);
    record(Kernel.FILL, t);
  }

  @Override
  public void embedding(int[] ids, int rows, Slice table, int width, Slice out, boolean accumulate) {
    long t = System.nanoTime();
    delegate.embedding(ids, rows, table, width, out, accumulate);
    record(Kernel.EMBEDDING, t);
  }

  @Override
  public void embeddingBackward(int[] ids, int rows, Slice dOut, int width, Slice dTable) {
    long t = System.nanoTime();
    delegate.embeddingBackward(ids, rows, dOut, width, dTable);
    record(Kernel.EMBEDDING_BACKWARD, t);
  }

  @Override
  public void hierarchicalPositions(int batch, int seq, Slice table, int rows, int width,
      float alpha, Slice out) {
    long t = System.nanoTime();
    delegate.hierarchicalPositions(batch, seq, table, rows, width, alpha, out);
    record(Kernel.HIERARCHICAL_POSITIONS, t);
  }

  @Override
  public void hierarchicalPositionsBackward(int batch, int seq, Slice dOut, int rows, int width,
      float alpha, Slice dTable) {
    long t = System.nanoTime();
    delegate.hierarchicalPositionsBackward(batch, seq, dOut, rows, width, alpha, dTable);
    record(Kernel.HIERARCHICAL_POSITIONS_BACKWARD, t);
  }

  @Override
  public void linear(Slice x, int xStride, Slice w, Slice bias, Activation activation, Slice pre,
      Slice out, int rows, int in, int outWidth) {
    long t = System.nanoTime();
    delegate.linear(x, xStride, w, bias, activation, pre, out, rows, in, outWidth);
    record(Kernel.LINEAR, t);
    linearFlops += 2L * rows * in * outWidth;
  }

  @Override
  public void linearWeight(Slice w, int in, int outWidth) {
    delegate.linearWeight(w, in, outWidth);
  }

  @Override
  public void linearIntermediate(Slice hidden, int width) {
    delegate.linearIntermediate(hidden, width);
  }

  @Override
  public void linearBackward(Slice dPre, Slice x, int xStride, Slice w, Slice dx, int dxStride,
      boolean accumulateDx, Slice dw, Slice dBias, boolean accumulateParams, int rows, int in,
      int outWidth) {
    long t = System.nanoTime();
    delegate.linearBackward(dPre, x, xStride, w, dx, dxStride, accumulateDx, dw, dBias,
        accumulateParams, rows, in, outWidth);
    record(Kernel.LINEAR_BACKWARD, t);
  }

  @Override
  public void activationBackward(Activation activation, Slice pre, Slice dOut, Slice dPre,
      long count) {
    long t = System.nanoTime();
    delegate.activationBackward(activation, pre, dOut, dPre, count);
    record(Kernel.ACTIVATION_BACKWARD, t);
  }

  @Override
  public void layerNorm(Slice x, Slice residual, Slice gamma, Slice beta, float eps, Slice out,
      Slice mean, Slice rstd, int rows, int width) {
    long t = System.nanoTime();
    delegate.layerNorm(x, residual, gamma, beta, eps, out, mean, rstd, rows, width);
    record(Kernel.LAYER_NORM, t);
  }

  @Override
  public void layerNormBackward(Slice dOut, Slice h, Slice mean, Slice rstd, Slice gamma, Slice dH,
      Slice dGamma, Slice dBeta, int rows, int width) {
    long t = System.nanoTime();
    delegate.layerNormBackward(dOut, h, mean, rstd, gamma, dH, dGamma, dBeta, rows, width);
    record(Kernel.LAYER_NORM_BACKWARD, t);
  }

  @Override
  public void conditionalLayerNorm(Slice x, Slice residual, Slice gammas, Slice betas, float eps,
      Slice out, Slice mean, Slice rstd, int batch, int seq, int width) {
    long t = System.nanoTime();
    delegate.conditionalLayerNorm(x, residual, gammas, betas, eps, out, mean, rstd, batch, seq,
        width);
    record(Kernel.CONDITIONAL_LAYER_NORM, t);
  }

  @Override
  public void conditionalLayerNormBackward(Slice dOut, Slice h, Slice mean, Slice rstd,
      Slice gammas, Slice dH, Slice dGammas, Slice dBetas, int batch, int seq, int width) {
    long t = System.nanoTime();
    delegate.conditionalLayerNormBackward(dOut, h, mean, rstd, gammas, dH, dGammas, dBetas, batch,
        seq, width);
    record(Kernel.CONDITIONAL_LAYER_NORM_BACKWARD, t);
  }

  @Override
  public void rmsNorm(Slice x, Slice residual, Slice gamma, float eps, Slice out, Slice rstd,
      int rows, int width) {
    long t = System.nanoTime();
    delegate.rmsNorm(x, residual, gamma, eps, out, rstd, rows, width);
    record(Kernel.RMS_NORM, t);
  }

  @Override
  public void rmsNormBackward(Slice dOut, Slice h, Slice rstd, Slice gamma, Slice dH,
      Slice dGamma, int rows, int width) {
    long t = System.nanoTime();
    delegate.rmsNormBackward(dOut, h, rstd, gamma, dH, dGamma, rows, width);
    record(Kernel.RMS_NORM_BACKWARD, t);
  }

  @Override
  public void add(Slice a, Slice b, Slice out, long count) {
    long t = System.nanoTime();
    delegate.add(a, b, out, count);
    record(Kernel.ADD, t);
  }

  @Override
  public void rotary(Slice x, int batch, int seq, int heads, int size, boolean inverse) {
    long t = System.nanoTime();
    delegate.rotary(x, batch, seq, heads, size, inverse);
    record(Kernel.ROTARY, t);
  }

  @Override
  public void rotaryAt(Slice x, int[] positions, int rows, int heads, int size) {
    long t = System.nanoTime();
    delegate.rotaryAt(x, positions, rows, heads, size);
    record(Kernel.ROTARY_AT, t);
  }

  @Override
  public void cachedAttention(AttentionShape shape, int capacity, Mask mask, int[] cacheTokens,
      int[] cacheSegments, int[] starts, Slice q, Slice k, Slice v, Slice keyCache,
      Slice valueCache, Slice ctx) {
    long t = System.nanoTime();
    delegate.cachedAttention(shape, capacity, mask, cacheTokens, cacheSegments, starts, q, k, v,
        keyCache, valueCache, ctx);
    record(Kernel.CACHED_ATTENTION, t);
  }

  @Override
  public void copy(Slice source, Slice target, long count) {
    long t = System.nanoTime();
    delegate.copy(source, target, count);
    record(Kernel.DEVICE_COPY, t);
  }

  @Override
  public void copyColumns(Slice source, int sourceWidth, int sourceColumn, Slice target,
      int targetWidth, int targetColumn, int rows, int width) {
    long t = System.nanoTime();
    delegate.copyColumns(source, sourceWidth, sourceColumn, target, targetWidth, targetColumn, rows,
        width);
    record(Kernel.COPY_COLUMNS, t);
  }

  @Override
  public void attention(AttentionShape shape, Mask mask, int[] tokenIds, int[] segmentIds, Slice q,
      Slice k, Slice v, Slice probs, Slice ctx, float dropout, long seed) {
    long t = System.nanoTime();
    delegate.attention(shape, mask, tokenIds, segmentIds, q, k, v, probs, ctx, dropout, seed);
    record(Kernel.ATTENTION, t);
  }

  @Override
  public void attentionBackward(AttentionShape shape, Mask mask, int[] tokenIds, int[] segmentIds,
      Slice q, Slice k, Slice v, Slice probs, Slice dCtx, Slice dq, Slice dk, Slice dv, float dropout,
      long seed) {
    long t = System.nanoTime();
    delegate.attentionBackward(shape, mask, tokenIds, segmentIds, q, k, v, probs, dCtx, dq, dk, dv,
        dropout, seed);
    record(Kernel.ATTENTION_BACKWARD, t);
  }

  @Override
  public void stackedAttention(AttentionShape shape, Mask mask, int[] tokenIds, int[] segmentIds,
      Slice qkv, Slice probs, Slice ctx, float dropout, long seed) {
    long t = System.nanoTime();
    delegate.stackedAttention(shape, mask, tokenIds, segmentIds, qkv, probs, ctx, dropout, seed);
    record(Kernel.ATTENTION, t);
  }

  @Override
  public void stackedAttentionBackward(AttentionShape shape, Mask mask, int[] tokenIds,
      int[] segmentIds, Slice qkv, Slice probs, Slice dCtx, Slice dQkv, float dropout, long seed) {
    long t = System.nanoTime();
    delegate.stackedAttentionBackward(shape, mask, tokenIds, segmentIds, qkv, probs, dCtx, dQkv,
        dropout, seed);
    record(Kernel.ATTENTION_BACKWARD, t);
  }

  @Override
  public void attentionScores(AttentionShape shape, Slice q, Slice k, Slice scores) {
    long t = System.nanoTime();
    delegate.attentionScores(shape, q, k, scores);
    record(Kernel.ATTENTION_SCORES, t);
  }

  @Override
  public void attentionScoresBackward(AttentionShape shape, Slice q, Slice k, Slice dScores,
      Slice dq, Slice dk) {
    long t = System.nanoTime();
    delegate.attentionScoresBackward(shape, q, k, dScores, dq, dk);
    record(Kernel.ATTENTION_SCORES_BACKWARD, t);
  }

  @Override
  public void decoderAttention(AttentionShape shape, int capacity, int[] starts, int keyLength,
      int[] keyIds, Slice table, int buckets, int maxDistance, Slice q, Slice k, Slice v,
      Slice keyCache, Slice valueCache, Slice ctx) {
    long t = System.nanoTime();
    delegate.decoderAttention(shape, capacity, starts, keyLength, keyIds, table, buckets,
        maxDistance, q, k, v, keyCache, valueCache, ctx);
    record(Kernel.DECODER_ATTENTION, t);
  }

  @Override
  public void multiply(Slice a, Slice b, Slice out, long count) {
    long t = System.nanoTime();
    delegate.multiply(a, b, out, count);
    record(Kernel.MULTIPLY, t);
  }

  @Override
  public void scale(Slice x, float alpha, Slice out, long count) {
    long t = System.nanoTime();
    delegate.scale(x, alpha, out, count);
    record(Kernel.SCALE, t);
  }

  @Override
  public void relativePositionBias(AttentionShape shape, Slice table, int buckets, int maxDistance,
      boolean bidirectional, Slice scores) {
    long t = System.nanoTime();
    delegate.relativePositionBias(shape, table, buckets, maxDistance, bidirectional, scores);
    record(Kernel.RELATIVE_POSITION_BIAS, t);
  }

  @Override
  public void relativePositionBiasBackward(AttentionShape shape, Slice dScores, int buckets,
      int maxDistance, boolean bidirectional, Slice dTable) {
    long t = System.nanoTime();
    delegate.relativePositionBiasBackward(shape, dScores, buckets, maxDistance, bidirectional,
        dTable);
    record(Kernel.RELATIVE_POSITION_BIAS_BACKWARD, t);
  }

  @Override
  public void relativeScores(AttentionShape shape, Slice q, int maxRelative, Slice scores) {
    long t = System.nanoTime();
    delegate.relativeScores(shape, q, maxRelative, scores);
    record(Kernel.RELATIVE_SCORES, t);
  }

  @Override
  public void relativeScoresBackward(AttentionShape shape, Slice dScores, int maxRelative,
      Slice dq) {
    long t = System.nanoTime();
    delegate.relativeScoresBackward(shape, dScores, maxRelative, dq);
    record(Kernel.RELATIVE_SCORES_BACKWARD, t);
  }

  @Override
  public void attentionNormalize(AttentionShape shape, Mask mask, Normalization normalization,
      int[] tokenIds, int[] segmentIds, Slice scores, Slice probs) {
    long t = System.nanoTime();
    delegate.attentionNormalize(shape, mask, normalization, tokenIds, segmentIds, scores, probs);
    record(Kernel.ATTENTION_NORMALIZE, t);
  }

  @Override
  public void attentionNormalizeBackward(AttentionShape shape, Mask mask,
      Normalization normalization, int[] tokenIds, int[] segmentIds, Slice scores, Slice probs,
      Slice dProbs, Slice dScores) {
    long t = System.nanoTime();
    delegate.attentionNormalizeBackward(shape, mask, normalization, tokenIds, segmentIds, scores,
        probs, dProbs, dScores);
    record(Kernel.ATTENTION_NORMALIZE_BACKWARD, t);
  }

  @Override
  public void attentionContext(AttentionShape shape, Slice probs, Slice v, Slice ctx) {
    long t = System.nanoTime();
    delegate.attentionContext(shape, probs, v, ctx);
    record(Kernel.ATTENTION_CONTEXT, t);
  }

  @Override
  public void attentionContextBackward(AttentionShape shape, Slice probs, Slice v, Slice dCtx,
      Slice dProbs, Slice dv) {
    long t = System.nanoTime();
    delegate.attentionContextBackward(shape, probs, v, dCtx, dProbs, dv);
    record(Kernel.ATTENTION_CONTEXT_BACKWARD, t);
  }

  @Override
  public void relativeContext(AttentionShape shape, Slice probs, int maxRelative, Slice ctx) {
    long t = System.nanoTime();
    delegate.relativeContext(shape, probs, maxRelative, ctx);
    record(Kernel.RELATIVE_CONTEXT, t);
  }

  @Override
  public void relativeContextBackward(AttentionShape shape, Slice dCtx, int maxRelative,
      Slice dProbs) {
    long t = System.nanoTime();
    delegate.relativeContextBackward(shape, dCtx, maxRelative, dProbs);
    record(Kernel.RELATIVE_CONTEXT_BACKWARD, t);
  }

  @Override
  public void mixHeads(AttentionShape shape, Slice x, Slice w, Slice out) {
    long t = System.nanoTime();
    delegate.mixHeads(shape, x, w, out);
    record(Kernel.MIX_HEADS, t);
  }

  @Override
  public void mixHeadsBackward(AttentionShape shape, Slice x, Slice w, Slice dOut, Slice dx,
      Slice dw) {
    long t = System.nanoTime();
    delegate.mixHeadsBackward(shape, x, w, dOut, dx, dw);
    record(Kernel.MIX_HEADS_BACKWARD, t);
  }

  @Override
  public void dropout(Slice x, Slice out, long count, float p, long seed) {
    long t = System.nanoTime();
    delegate.dropout(x, out, count, p, seed);
    record(Kernel.DROPOUT, t);
  }

  @Override
  public void dropoutBackward(Slice dOut, Slice dx, long count, float p, long seed) {
    long t = System.nanoTime();
    delegate.dropoutBackward(dOut, dx, count, p, seed);
    record(Kernel.DROPOUT_BACKWARD, t);
  }

  @Override
  public double softmaxCrossEntropy(Slice logits, int[] targets, int rows, int classes,
      Slice dLogits, float gradScale) {
    long t = System.nanoTime();
    double loss = delegate.softmaxCrossEntropy(logits, targets, rows, classes, dLogits, gradScale);
    record(Kernel.CROSS_ENTROPY, t);
    return loss;
  }

  @Override
  public double sigmoidCrossEntropy(Slice logits, int[] targets, int rows, Slice dLogits,
      float gradScale) {
    long t = System.nanoTime();
    double loss = delegate.sigmoidCrossEntropy(logits, targets, rows, dLogits, gradScale);
    record(Kernel.SIGMOID_CROSS_ENTROPY, t);
    return loss;
  }

  @Override
  public double crfLoss(Slice emissions, Slice transitions, int[] tags, int[] tokenIds, int batch,
      int seq, int tagCount, Slice dEmissions, Slice dTransitions, float gradScale) {
    long t = System.nanoTime();
    double loss = delegate.crfLoss(emissions, transitions, tags, tokenIds, batch, seq, tagCount,
        dEmissions, dTransitions, gradScale);
    record(Kernel.CRF_LOSS, t);
    return loss;
  }

  @Override
  public double memmLoss(Slice emissions, Slice transitions, int[] tags, int[] tokenIds,
      int batch, int seq, int tagCount, Slice dEmissions, Slice dTransitions, float gradScale) {
    long t = System.nanoTime();
    double loss = delegate.memmLoss(emissions, transitions, tags, tokenIds, batch, seq, tagCount,
        dEmissions, dTransitions, gradScale);
    record(Kernel.MEMM_LOSS, t);
    return loss;
  }

  @Override
  public void spanMask(Slice logits, Slice bias, Slice scores, int[] tokenIds, int batch, int seq,
      int types, boolean tril) {
    long t = System.nanoTime();
    delegate.spanMask(logits, bias, scores, tokenIds, batch, seq, types, tril);
    record(Kernel.SPAN_MASK, t);
  }

  @Override
  public void spanMaskBackward(Slice dScores, Slice dLogits, Slice dBias, int[] tokenIds,
      int batch, int seq, int types, boolean tril) {
    long t = System.nanoTime();
    delegate.spanMaskBackward(dScores, dLogits, dBias, tokenIds, batch, seq, types, tril);
    record(Kernel.SPAN_MASK_BACKWARD, t);
  }

  @Override
  public double spanLoss(Slice scores, int[] spans, int batch, int seq, int types, Slice dScores,
      float gradScale) {
    long t = System.nanoTime();
    double loss = delegate.spanLoss(scores, spans, batch, seq, types, dScores, gradScale);
    record(Kernel.SPAN_LOSS, t);
    return loss;
  }

  @Override
  public void optimizerStep(BoundOptimizer optimizer, Slice params, Slice grads, Slice[] state,
      long call) {
    long t = System.nanoTime();
    delegate.optimizerStep(optimizer, params, grads, state, call);
    record(Kernel.OPTIMIZER, t);
  }

  @Override
  public long firstNonFinite(Slice x, long count) {
    long t = System.nanoTime();
    long first = delegate.firstNonFinite(x, count);
    record(Kernel.NON_FINITE_CHECK, t);
    return first;
  }

  @Override
  public void close() {
    delegate.close();
  }
}
