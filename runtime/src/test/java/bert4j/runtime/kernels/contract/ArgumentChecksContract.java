package bert4j.runtime.kernels.contract;

import static bert4j.runtime.kernels.contract.KernelTesting.zeros;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.runtime.kernels.AttentionShape;
import bert4j.runtime.kernels.Slice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** A slice that runs past its memory, or a wrong size, is named with the kernel and the sizes. */
public abstract class ArgumentChecksContract extends KernelsContract {
  public static void rejects(Executable call, String... fragments) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should mention '" + f + "'");
    }
  }

  @Test
  void linearNamesTheShortArgument() {
    Slice x = zeros(kernels, 4 * 8);
    Slice w = zeros(kernels, 5 * 8 - 1);
    Slice out = zeros(kernels, 4 * 5);
    rejects(() -> kernels.linear(x, 8, w, null, Activation.GELU, out, out, 4, 8, 5),
        "linear: w needs 40 floats from offset 3 but its memory holds 42");
    rejects(() -> kernels.linear(x, 9, zeros(kernels, 40), null, null, out, out, 4, 8, 5),
        "linear: x needs 35 floats");
    rejects(() -> kernels.linear(x, 7, zeros(kernels, 40), null, null, out, out, 4, 8, 5),
        "linear: xStride (7) is smaller than the row width 8");
    rejects(() -> kernels.linearBackward(out, x, 8, zeros(kernels, 40), zeros(kernels, 31), 8,
        false, zeros(kernels, 40), null, true, 4, 8, 5), "linearBackward: dx needs 32 floats");
  }

  @Test
  void attentionNamesTheShortArgument() {
    AttentionShape s = new AttentionShape(2, 3, 2, 4, 5, 0.5f);
    Slice qk = zeros(kernels, 6 * 8);
    Slice v = zeros(kernels, 6 * 10);
    int[] ids = {1, 1, 1, 1, 1, 1};
    rejects(() -> kernels.attention(s, Mask.NONE, ids, null, qk, qk, v, zeros(kernels, 35), v, 0f,
        0), "attention: probs needs 36 floats");
    rejects(() -> kernels.attention(s, Mask.UNILM, ids, null, qk, qk, v, zeros(kernels, 36), v, 0f,
        0), "UNILM needs segmentIds");
    rejects(() -> kernels.attention(s, Mask.NONE, new int[5], null, qk, qk, v, zeros(kernels, 36),
        v, 0f, 0), "tokenIds of length 5");
    rejects(() -> kernels.attentionBackward(s, Mask.NONE, ids, null, qk, qk, v, zeros(kernels, 36), v, qk,
        zeros(kernels, 47), v, 0f, 0), "attentionBackward: dk needs 48 floats");
    Slice qkv = zeros(kernels, 6 * 26);
    Slice probs = zeros(kernels, 36);
    rejects(() -> kernels.stackedAttention(s, Mask.NONE, ids, null, zeros(kernels, 6 * 26 - 1),
        probs, v, 0f, 0), "stackedAttention: qkv needs 156 floats");
    rejects(() -> kernels.stackedAttentionBackward(s, Mask.NONE, ids, null, qkv, probs, v,
        zeros(kernels, 155), 0f, 0), "stackedAttentionBackward: dQkv needs 156 floats");
  }

  @Test
  void layerNormAndCrossEntropyNameTheShortArgument() {
    Slice x = zeros(kernels, 12);
    rejects(() -> kernels.layerNorm(x, null, zeros(kernels, 3), zeros(kernels, 4), 1e-5f, x,
        zeros(kernels, 3), zeros(kernels, 3), 3, 4), "layerNorm: gamma needs 4 floats");
    rejects(() -> kernels.layerNormBackward(x, x, zeros(kernels, 3), zeros(kernels, 2),
        zeros(kernels, 4), x, zeros(kernels, 4), zeros(kernels, 4), 3, 4),
        "layerNormBackward: rstd needs 3 floats");
    rejects(() -> kernels.softmaxCrossEntropy(x, new int[] {0, 0}, 2, 4, zeros(kernels, 7), 1f),
        "softmaxCrossEntropy: dLogits needs 8 floats");
  }

  @Test
  void rmsNormAddRotaryAndSigmoidCrossEntropyNameTheShortArgument() {
    Slice x = zeros(kernels, 12);
    rejects(() -> kernels.rmsNorm(x, null, zeros(kernels, 3), 1e-6f, x, zeros(kernels, 3), 3, 4),
        "rmsNorm: gamma needs 4 floats");
    rejects(() -> kernels.rmsNorm(x, zeros(kernels, 11), null, 1e-6f, x, zeros(kernels, 3), 3, 4),
        "rmsNorm: residual needs 12 floats");
    rejects(() -> kernels.rmsNormBackward(x, x, zeros(kernels, 2), null, x, null, 3, 4),
        "rmsNormBackward: rstd needs 3 floats");
    rejects(() -> kernels.rmsNormBackward(x, x, zeros(kernels, 3), zeros(kernels, 4), x, null, 3,
        4), "rmsNormBackward: dGamma must be null exactly when gamma is");
    rejects(() -> kernels.add(x, zeros(kernels, 11), x, 12), "add: b needs 12 floats");
    rejects(() -> kernels.rotary(x, 1, 2, 2, 4, false), "rotary: x needs 16 floats");
    rejects(() -> kernels.rotary(x, 1, 2, 2, 3, true), "rotary: size must be even and >= 2, got 3");
    rejects(() -> kernels.sigmoidCrossEntropy(x, new int[] {0, 1}, 3, x, 1f),
        "sigmoidCrossEntropy: targets of length 2 cannot hold 3 values");
    rejects(() -> kernels.sigmoidCrossEntropy(x, new int[13], 13, x, 1f),
        "sigmoidCrossEntropy: logits needs 13 floats");
  }

  /** Shape (2, 3, 2, 4, 5): maps of 36 floats, q and k of 48, v and ctx of 60, w of 4. */
  @Test
  void unfusedAttentionNamesTheShortArgument() {
    AttentionShape s = new AttentionShape(2, 3, 2, 4, 5, 0.5f);
    Slice qk = zeros(kernels, 48);
    Slice v = zeros(kernels, 60);
    Slice maps = zeros(kernels, 36);
    int[] ids = {1, 1, 1, 1, 1, 1};
    rejects(() -> kernels.attentionScores(s, qk, zeros(kernels, 47), maps),
        "attentionScores: k needs 48 floats");
    rejects(() -> kernels.attentionScoresBackward(s, qk, qk, zeros(kernels, 35), qk, qk),
        "attentionScoresBackward: dScores needs 36 floats");
    rejects(() -> kernels.relativeScores(s, qk, 0, maps),
        "relativeScores: maxRelative must be >= 1, got 0");
    rejects(() -> kernels.relativeScoresBackward(s, maps, 4, zeros(kernels, 47)),
        "relativeScoresBackward: dq needs 48 floats");
    rejects(() -> kernels.attentionNormalize(s, Mask.UNILM, Normalization.SOFTMAX, ids, null, maps,
        maps), "attentionNormalize: mask UNILM needs segmentIds");
    rejects(() -> kernels.attentionNormalize(s, Mask.NONE, null, ids, null, maps, maps),
        "attentionNormalize: normalization is null");
    rejects(() -> kernels.attentionNormalize(s, Mask.LM, Normalization.SOFTMAX_PLUS, new int[5],
        null, maps, maps), "attentionNormalize: tokenIds of length 5 cannot hold 6 values");
    rejects(() -> kernels.attentionNormalizeBackward(s, Mask.NONE, Normalization.SQUARED_RELU, ids,
        null, null, maps, maps, maps), "attentionNormalizeBackward: scores is null");
    rejects(() -> kernels.attentionNormalizeBackward(s, Mask.NONE, Normalization.SOFTMAX, ids,
        null, null, maps, maps, zeros(kernels, 35)),
        "attentionNormalizeBackward: dScores needs 36 floats");
    rejects(() -> kernels.attentionContext(s, maps, v, zeros(kernels, 59)),
        "attentionContext: ctx needs 60 floats");
    rejects(() -> kernels.attentionContextBackward(s, maps, v, v, zeros(kernels, 35), v),
        "attentionContextBackward: dProbs needs 36 floats");
    rejects(() -> kernels.relativeContext(s, maps, -1, v),
        "relativeContext: maxRelative must be >= 1, got -1");
    rejects(() -> kernels.relativeContextBackward(s, zeros(kernels, 59), 2, maps),
        "relativeContextBackward: dCtx needs 60 floats");
    rejects(() -> kernels.mixHeads(s, maps, zeros(kernels, 3), zeros(kernels, 36)),
        "mixHeads: w needs 4 floats");
    rejects(() -> kernels.mixHeadsBackward(s, maps, zeros(kernels, 4), maps, maps,
        zeros(kernels, 3)), "mixHeadsBackward: dw needs 4 floats");
  }

  /** Every mixed map reads every input map, so out and x (dx and dOut) must lie apart. */
  @Test
  void mixHeadsRejectsOverlappingMaps() {
    AttentionShape s = new AttentionShape(2, 3, 2, 4, 5, 0.5f);
    Slice w = zeros(kernels, 4);
    Slice maps = zeros(kernels, 72);
    rejects(() -> kernels.mixHeads(s, maps, w, maps), "mixHeads: out (from offset 3) overlaps x");
    rejects(() -> kernels.mixHeads(s, maps, w, maps.plus(35)), "mixHeads: out", "overlaps x");
    kernels.mixHeads(s, maps, w, maps.plus(36));
    rejects(() -> kernels.mixHeadsBackward(s, maps.plus(36), w, maps, maps.plus(1), w),
        "mixHeadsBackward: dx (from offset 4) overlaps dOut (from offset 3)");
  }

  /** Two sequences of 3 rows of width 4: x of 24 floats, gammas of 8, mean of 6. */
  @Test
  void conditionalLayerNormNamesTheShortArgument() {
    Slice x = zeros(kernels, 24);
    Slice perSequence = zeros(kernels, 8);
    Slice stats = zeros(kernels, 6);
    rejects(() -> kernels.conditionalLayerNorm(x, null, zeros(kernels, 4), perSequence, 1e-5f, x,
        stats, stats, 2, 3, 4), "conditionalLayerNorm: gammas needs 8 floats");
    rejects(() -> kernels.conditionalLayerNorm(x, zeros(kernels, 23), perSequence, perSequence,
        1e-5f, x, stats, stats, 2, 3, 4), "conditionalLayerNorm: residual needs 24 floats");
    rejects(() -> kernels.conditionalLayerNorm(x, null, perSequence, perSequence, 1e-5f, x, stats,
        stats, 2, 0, 4), "conditionalLayerNorm: seq must be >= 1, got 0");
    rejects(() -> kernels.conditionalLayerNormBackward(x, x, stats, zeros(kernels, 5), perSequence,
        x, perSequence, perSequence, 2, 3, 4), "conditionalLayerNormBackward: rstd needs 6 floats");
    rejects(() -> kernels.conditionalLayerNormBackward(x, x, stats, stats, perSequence, x,
        perSequence, zeros(kernels, 7), 2, 3, 4),
        "conditionalLayerNormBackward: dBetas needs 8 floats");
  }

  /** A table of 3 rows of width 2 places at most 9 positions; α must lie in (0, 1). */
  @Test
  void hierarchicalPositionsChecksItsSizesAndAlpha() {
    Slice table = zeros(kernels, 6);
    Slice out = zeros(kernels, 2 * 10 * 2);
    rejects(() -> kernels.hierarchicalPositions(2, 10, table, 3, 2, 0.4f, out),
        "hierarchicalPositions: seq (10) exceeds rows² (9)");
    rejects(() -> kernels.hierarchicalPositionsBackward(2, 10, out, 3, 2, 0.4f, table),
        "hierarchicalPositionsBackward: seq (10) exceeds rows² (9)");
    kernels.hierarchicalPositions(2, 9, table, 3, 2, 0.4f, out);
    for (float alpha : new float[] {0f, 1f, -0.5f, Float.NaN}) {
      rejects(() -> kernels.hierarchicalPositions(2, 9, table, 3, 2, alpha, out),
          "hierarchicalPositions: alpha must be in (0, 1), got " + alpha);
    }
    rejects(() -> kernels.hierarchicalPositions(2, 9, zeros(kernels, 5), 3, 2, 0.4f, out),
        "hierarchicalPositions: table needs 6 floats");
    rejects(() -> kernels.hierarchicalPositionsBackward(2, 9, zeros(kernels, 35), 3, 2, 0.4f,
        table), "hierarchicalPositionsBackward: dOut needs 36 floats");
    rejects(() -> kernels.hierarchicalPositionsBackward(2, 9, out, 0, 2, 0.4f, table),
        "hierarchicalPositionsBackward: rows must be >= 1, got 0");
  }

  /** Two sequences of 3 positions over 4 tags: emissions of 24 floats, transitions of 16. */
  @Test
  void tagPathLossesNameTheShortOrOverlappingArgument() {
    Slice e = zeros(kernels, 24);
    Slice t = zeros(kernels, 16);
    int[] tags = new int[6];
    int[] ids = {1, 1, 0, 1, 1, 1};
    rejects(() -> kernels.crfLoss(zeros(kernels, 23), t, tags, ids, 2, 3, 4, e, t, 1f),
        "crfLoss: emissions needs 24 floats");
    rejects(() -> kernels.memmLoss(e, t, tags, ids, 2, 3, 4, zeros(kernels, 24),
        zeros(kernels, 15), 1f), "memmLoss: dTransitions needs 16 floats");
    rejects(() -> kernels.crfLoss(e, t, new int[5], ids, 2, 3, 4, zeros(kernels, 24), t, 1f),
        "crfLoss: tags of length 5 cannot hold 6 values");
    rejects(() -> kernels.memmLoss(e, t, tags, null, 2, 3, 4, zeros(kernels, 24), t, 1f),
        "memmLoss: tokenIds is null");
    rejects(() -> kernels.crfLoss(e, t, tags, ids, 2, 3, 0, zeros(kernels, 24), t, 1f),
        "crfLoss: tagCount must be >= 1, got 0");
    rejects(() -> kernels.crfLoss(e, t, tags, ids, 2, 3, 4, e, t, 1f),
        "crfLoss: dEmissions (from offset 3) overlaps emissions (from offset 3)");
  }
}
