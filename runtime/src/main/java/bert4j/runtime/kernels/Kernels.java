package bert4j.runtime.kernels;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.runtime.optim.BoundOptimizer;
import bert4j.runtime.optim.StateRegion;

/**
 * The one interface generated models call: every fused kernel of the forward pass, its backward, and
 * memory management. Backends (CPU, CUDA) implement it and are found through {@link KernelsProvider}.
 *
 * <p>Conventions: float32, row-major. A matrix argument is a {@link Slice} plus its row stride where
 * rows may be strided. Linear weights keep the Hugging Face layout {@code [out, in]}. Token-level inputs
 * ({@code int[]} ids of length {@code batch * seq}) stay on the host; a device backend copies them. Every
 * {@code *Backward} method accumulates ({@code +=}) into weight gradients, so a gradient buffer is zeroed
 * once per step, and overwrites activation gradients unless its javadoc says otherwise.
 */
public interface Kernels extends AutoCloseable {

  /** A short name for logs and reports ("cpu", "cuda:0 NVIDIA H100"). */
  String name();

  /** Allocates {@code floats} zero-filled floats. */
  Memory allocate(long floats);

  /**
   * {@link #allocate}, for memory a training model streams through at every step (its parameters,
   * gradients, optimizer state and activation arena), which a backend may place for that (the CPU
   * backend on 2 MiB pages). By default the same as {@link #allocate}.
   */
  default Memory allocateForTraining(long floats) {
    return allocate(floats);
  }

  /** Copies {@code count} floats from the host into memory. */
  void write(float[] source, int sourceOffset, Slice target, int count);

  /** Copies {@code count} floats from memory to the host. */
  void read(Slice source, float[] target, int targetOffset, int count);

  /** Sets {@code count} floats to {@code value}. */
  void fill(Slice target, long count, float value);

  /**
   * out[r] = table[ids[r]] (or += when {@code accumulate}), for r in [0, rows); rows of width
   * {@code width}.
   */
  void embedding(int[] ids, int rows, Slice table, int width, Slice out, boolean accumulate);

  /** dTable[ids[r]] += dOut[r] for r in [0, rows): the scatter-add backward of {@link #embedding}. */
  void embeddingBackward(int[] ids, int rows, Slice dOut, int width, Slice dTable);

  /**
   * bert4keras's hierarchical position embedding, for sequences longer than the learned table E
   * ({@code rows × width}): out[b·seq + p] += α·E′[p / rows] + (1 − α)·E′[p mod rows] for p in
   * [0, seq) of every sequence b, where E′ = (E − α·E[0])/(1 − α); seq ≤ rows². For p < rows this is
   * E[p]. α in (0, 1).
   */
  void hierarchicalPositions(int batch, int seq, Slice table, int rows, int width, float alpha,
      Slice out);

  /** Backward of {@link #hierarchicalPositions}: dTable += the gradient from dOut. */
  void hierarchicalPositionsBackward(int batch, int seq, Slice dOut, int rows, int width,
      float alpha, Slice dTable);

  /**
   * A dense layer: pre = x·wᵀ + bias, out = activation(pre). x is {@code [rows, in]} with row stride
   * {@code xStride} (≥ in), w is {@code [out, in]}, bias {@code [out]}, pre and out {@code [rows, out]}.
   * {@code out} may be the same slice as {@code pre}: with {@code activation == null} the layer is
   * linear; with an activation, out = activation(x·wᵀ + bias) and no pre is kept (a model created
   * for inference passes that, having no backward to read pre). {@code bias} may be null for a layer
   * without bias (T5, RoFormer-V2).
   */
  void linear(Slice x, int xStride, Slice w, Slice bias, Activation activation, Slice pre, Slice out,
      int rows, int in, int outWidth);

  /**
   * Declares that w {@code [outWidth, in]} is read by {@link #linear} alone, as the weight of
   * products {@code in} wide and {@code outWidth} out: the backend may then keep it in a layout of
   * its own between those calls, and gives it back in the Hugging Face layout to any other call that
   * reads or writes that memory ({@link #read}, {@link #write}, {@link #copy}, {@link #fill}). A model
   * created for inference declares its dense layers' weights that nothing else reads (the compiler
   * finds them); a backend may ignore it.
   */
  void linearWeight(Slice w, int in, int outWidth);

  /**
   * Declares that the activations at {@code hidden}, rows {@code width} wide and contiguous, are
   * written only by a {@link #linear} (activation applied in place, pre = out) whose very next call
   * is a {@link #linear} reading them as its x, and read by nothing else: between those two calls
   * the backend may hold them in a form of its own (bf16 kernels write them in bf16, and the second
   * product reads them with no conversion pass). A {@link #read}, {@link #write}, {@link #copy} or
   * {@link #fill} of that memory meanwhile gets float32 values back. A model created for inference
   * declares its feed-forward activations (the compiler finds them); a backend may ignore it.
   */
  void linearIntermediate(Slice hidden, int width);

  /**
   * Backward of {@link #linear} given dPre (the gradient at the pre-activation; see
   * {@link #activationBackward}): dx = dPre·w (overwritten, or added when {@code accumulateDx}), dw =
   * dPreᵀ·x and dBias = Σ_rows dPre (added to what they hold when {@code accumulateParams}, else
   * overwritten: zeros for zero rows). {@code dx} may be null when no input gradient is needed, and
   * {@code dBias} when the layer has no bias. Only the {@code [rows, in]} entries of a strided dx are
   * written.
   */
  void linearBackward(Slice dPre, Slice x, int xStride, Slice w, Slice dx, int dxStride,
      boolean accumulateDx, Slice dw, Slice dBias, boolean accumulateParams, int rows, int in,
      int outWidth);

  /**
   * dPre = dOut ⊙ activation'(pre), elementwise over {@code count} floats. dPre may be dOut. A null
   * activation (a linear layer) copies dOut.
   */
  void activationBackward(Activation activation, Slice pre, Slice dOut, Slice dPre, long count);

  /**
   * Residual add and layer norm over rows of {@code width}: h = x + residual (stored back into x; pass
   * {@code residual == null} for none), out = γ ⊙ (h − mean)/√(var + eps) + β. Saves each row's mean
   * and 1/√(var + eps) ({@code [rows]} each) for the backward.
   */
  void layerNorm(Slice x, Slice residual, Slice gamma, Slice beta, float eps, Slice out, Slice mean,
      Slice rstd, int rows, int width);

  /**
   * Backward of {@link #layerNorm}: dH (= the gradient of x and of the residual) from dOut, h, and the
   * saved statistics; dGamma and dBeta accumulate. dH may be dOut.
   */
  void layerNormBackward(Slice dOut, Slice h, Slice mean, Slice rstd, Slice gamma, Slice dH,
      Slice dGamma, Slice dBeta, int rows, int width);

  /**
   * Conditional layer norm (bert4keras's, for a conditional LM): as {@link #layerNorm}, with γ and β
   * given per sequence: {@code gammas} and {@code betas} are {@code [batch, width]}, row b serving the
   * {@code seq} rows of sequence b (x, residual and out are {@code [batch·seq, width]}). Saves mean
   * and 1/std per row.
   */
  void conditionalLayerNorm(Slice x, Slice residual, Slice gammas, Slice betas, float eps, Slice out,
      Slice mean, Slice rstd, int batch, int seq, int width);

  /**
   * Backward of {@link #conditionalLayerNorm}: dH (overwritten, may be dOut) and the per-sequence
   * dGammas and dBetas ({@code [batch, width]}, overwritten: each sums its sequence's rows).
   */
  void conditionalLayerNormBackward(Slice dOut, Slice h, Slice mean, Slice rstd, Slice gammas,
      Slice dH, Slice dGammas, Slice dBetas, int batch, int seq, int width);

  /**
   * Residual add and RMS norm (RoFormer-V2, T5): h = x + residual (stored back into x; pass
   * {@code residual == null} for none), out = γ ⊙ h / √(mean(h²) + eps), without centring or offset.
   * {@code gamma} may be null for a norm without scale (RoFormer-V2's). Saves each row's
   * 1/√(mean(h²) + eps) in {@code rstd} ({@code [rows]}) for the backward.
   */
  void rmsNorm(Slice x, Slice residual, Slice gamma, float eps, Slice out, Slice rstd, int rows,
      int width);

  /**
   * Backward of {@link #rmsNorm}: dH (the gradient of x and of the residual, overwritten) from dOut,
   * h and the saved rstd; dGamma accumulates (null when gamma is). dH may be dOut.
   */
  void rmsNormBackward(Slice dOut, Slice h, Slice rstd, Slice gamma, Slice dH, Slice dGamma,
      int rows, int width);

  /** out = a + b over {@code count} floats; out may be a or b. */
  void add(Slice a, Slice b, Slice out, long count);

  /** out = a ⊙ b over {@code count} floats (T5 1.1's gate); out may be a or b. */
  void multiply(Slice a, Slice b, Slice out, long count);

  /** out = alpha·x over {@code count} floats; out may be x. Its backward is itself, on dOut. */
  void scale(Slice x, float alpha, Slice out, long count);

  /**
   * Rotary position embedding (RoFormer's), in place on x ({@code [batch, seq, heads·size]}, size
   * even): in each head of the row at position p (the row's index in its sequence) the pair
   * (x₂ᵢ, x₂ᵢ₊₁) turns by the angle p·θᵢ, θᵢ = 10000^(−2i/size): x₂ᵢ' = x₂ᵢ·cos − x₂ᵢ₊₁·sin,
   * x₂ᵢ₊₁' = x₂ᵢ₊₁·cos + x₂ᵢ·sin. With {@code inverse} it turns by −p·θᵢ, which is the backward (the
   * rotation is orthogonal).
   */
  void rotary(Slice x, int batch, int seq, int heads, int size, boolean inverse);

  /**
   * Multi-head attention from projected q, k ({@code [batch, seq, heads·keySize]}) and v
   * ({@code [batch, seq, heads·headSize]}) into ctx ({@code [batch, seq, heads·headSize]}). Logits are
   * q·k·scale, masked by {@code mask} (padding keys, token id 0, are always masked; LM and UNILM are
   * computed from the ids), softmaxed over keys. The probabilities are saved in {@code probs}
   * ({@code [batch, heads, seq, seq]}) for the backward; with {@code dropout > 0} they are dropped out
   * (mask drawn from {@code seed}) before multiplying v.
   *
   * <p>Precisely: key j is masked for query i of sequence b when {@code tokenIds[b·seq + j] == 0}, or
   * for LM when j > i, or for UNILM when c[j] > c[i] with c the running sum of that sequence's
   * {@code segmentIds} ({@code segmentIds} may be null unless the mask is UNILM). Masked keys get
   * probability exactly 0; a query with no allowed key gets 1/seq on every key (what bert4keras's
   * −1e12 logits give in float). The dropout mask is {@link #dropout}'s, with the element index
   * counted in {@code probs}: ((b·heads + h)·seq + i)·seq + j.
   */
  void attention(AttentionShape shape, Mask mask, int[] tokenIds, int[] segmentIds, Slice q, Slice k,
      Slice v, Slice probs, Slice ctx, float dropout, long seed);

  /**
   * Backward of {@link #attention}: dq, dk, dv (overwritten) from dCtx and the saved probs, under the
   * same mask and ids as the forward (a backend that recomputes the probabilities needs them). A query
   * row with no allowed key is the constant 1/seq, so it sends no gradient to q or k (as bert4keras's
   * −1e12 replacement of masked logits); its values still get theirs.
   */
  void attentionBackward(AttentionShape shape, Mask mask, int[] tokenIds, int[] segmentIds, Slice q,
      Slice k, Slice v, Slice probs, Slice dCtx, Slice dq, Slice dk, Slice dv, float dropout,
      long seed);

  /**
   * {@link #attention} with q, k and v read in place as the column blocks of one tensor,
   * {@code qkv} ({@code [batch, seq, 2·heads·keySize + heads·headSize]}, each row q | k | v: the fused
   * q·k·v product), instead of copied out into tensors of their own first.
   */
  void stackedAttention(AttentionShape shape, Mask mask, int[] tokenIds, int[] segmentIds, Slice qkv,
      Slice probs, Slice ctx, float dropout, long seed);

  /**
   * Backward of {@link #stackedAttention}: dQkv (overwritten whole), laid out as qkv, from dCtx and
   * the saved probs.
   */
  void stackedAttentionBackward(AttentionShape shape, Mask mask, int[] tokenIds, int[] segmentIds,
      Slice qkv, Slice probs, Slice dCtx, Slice dQkv, float dropout, long seed);

  /**
   * {@link #rotary} at given positions, forward only: the row r of x ({@code [rows, heads·size]})
   * turns by {@code positions[r]}·θᵢ. Incremental decoding's new rows sit after their sequence's
   * cached ones, so their positions are not their indices.
   */
  void rotaryAt(Slice x, int[] positions, int rows, int heads, int size);

  /**
   * Attention of new rows against a key/value cache, forward only (incremental decoding). The batch
   * has {@code shape.batch()} sequences of {@code shape.seq()} new rows each: q, k ({@code [batch,
   * seq, heads·keySize]}), v and ctx ({@code [batch, seq, heads·headSize]}). The caches hold
   * {@code capacity} positions per sequence: keyCache {@code [batch, capacity, heads·keySize]},
   * valueCache {@code [batch, capacity, heads·headSize]}. First the new row i of sequence b is written
   * to its cache at position p = starts[b] + i; then its query attends to cache positions
   * [0, starts[b] + seq) under {@link #attention}'s mask, with query position p and the ids of the
   * cache ({@code cacheTokens} and {@code cacheSegments}, {@code [batch, capacity]}, already holding
   * the new rows' ids): key j is masked when cacheTokens[b·capacity + j] == 0, for LM when j > p, for
   * UNILM when c[j] > c[p] (c the running sum of the sequence's cached segment ids). Masked keys get
   * probability exactly 0; a query with no allowed key gets the uniform average of the positions it
   * spans. Requires starts[b] + seq ≤ capacity.
   */
  void cachedAttention(AttentionShape shape, int capacity, Mask mask, int[] cacheTokens,
      int[] cacheSegments, int[] starts, Slice q, Slice k, Slice v, Slice keyCache,
      Slice valueCache, Slice ctx);

  /**
   * T5's decoder attention of new rows against cached keys and values, forward only (incremental
   * decoding). The batch has {@code shape.batch()} sequences of {@code shape.seq()} new rows: q
   * {@code [batch, seq, heads·keySize]}, ctx {@code [batch, seq, heads·headSize]}; the caches hold
   * {@code capacity} rows per slot ({@code [slots, capacity, heads·keySize]} and
   * {@code [slots, capacity, heads·headSize]}), sequence b reading slot b. The new row i of
   * sequence b sits at decoder position p = starts[b] + i. Self-attention ({@code k} and {@code v}
   * given, as q and ctx): the new keys and values are first written to the cache at p, then the
   * query attends causally to positions [0, p]. Cross-attention ({@code k} and {@code v} null): the
   * query attends to the cached encoder positions j < {@code keyLength} whose
   * {@code keyIds[b·capacity + j]} ≠ 0 (padding masked; a query with no allowed key gets the
   * uniform average of the keyLength positions). Scores are scale·q·k, plus
   * {@code table[bucket(j − p)·heads + h]} with causal {@link RelativeBuckets} of {@code buckets}
   * and {@code maxDistance} when {@code table} is given; softmax over the allowed keys. Requires
   * starts[b] + seq ≤ capacity (self) or keyLength ≤ capacity (cross).
   */
  void decoderAttention(AttentionShape shape, int capacity, int[] starts, int keyLength,
      int[] keyIds, Slice table, int buckets, int maxDistance, Slice q, Slice k, Slice v,
      Slice keyCache, Slice valueCache, Slice ctx);

  /** target = source over {@code count} floats; the two ranges must not overlap. */
  void copy(Slice source, Slice target, long count);

  /**
   * A block of columns from one row-major matrix to another: target[r, targetColumn + j] =
   * source[r, sourceColumn + j] for r &lt; rows, j &lt; width, the source's rows {@code sourceWidth}
   * floats long and the target's {@code targetWidth}. Splits the fused q·k·v product into q, k and v,
   * and joins their gradients back. Source and target must be apart.
   */
  void copyColumns(Slice source, int sourceWidth, int sourceColumn, Slice target, int targetWidth,
      int targetColumn, int rows, int width);

  /**
   * The unfused attention's logits (used where an attention option needs them apart: NEZHA's
   * relative positions, talking heads, another normalization): scores[b,h,i,j] = scale·q_{b,i,h}·k_{b,j,h}
   * ({@code scores} is {@code [batch, heads, seq, seq]}; q, k as in {@link #attention}).
   */
  void attentionScores(AttentionShape shape, Slice q, Slice k, Slice scores);

  /** Backward of {@link #attentionScores}: dq and dk (overwritten) from dScores. */
  void attentionScoresBackward(AttentionShape shape, Slice q, Slice k, Slice dScores, Slice dq,
      Slice dk);

  /**
   * NEZHA's "typical relative" position term, added to the scores: scores[b,h,i,j] +=
   * scale·q_{b,i,h}·R[clip(j − i, −maxRelative, maxRelative) + maxRelative], with R the fixed sinusoid
   * table of keySize columns: R[p][2c] = sin(p·10000^(−2c/keySize)), R[p][2c+1] = cos(the same).
   */
  void relativeScores(AttentionShape shape, Slice q, int maxRelative, Slice scores);

  /** Backward of {@link #relativeScores}: dq += the relative term's gradient (the table is fixed). */
  void relativeScoresBackward(AttentionShape shape, Slice dScores, int maxRelative, Slice dq);

  /**
   * T5's relative position bias, added to the scores in place: scores[b,h,i,j] +=
   * table[bucket(j − i)·heads + h], table {@code [buckets, heads]} (Hugging Face's
   * {@code relative_attention_bias} embedding), bucket {@link RelativeBuckets#bucket} with
   * {@code bidirectional}, {@code buckets} and {@code maxDistance}.
   */
  void relativePositionBias(AttentionShape shape, Slice table, int buckets, int maxDistance,
      boolean bidirectional, Slice scores);

  /**
   * Backward of {@link #relativePositionBias}: dTable[bucket·heads + h] += Σ dScores[b,h,i,j] over
   * the cells of that bucket (the scores' own gradient passes through unchanged).
   */
  void relativePositionBiasBackward(AttentionShape shape, Slice dScores, int buckets,
      int maxDistance, boolean bidirectional, Slice dTable);

  /**
   * Masks and normalises scores over the keys into probs (both {@code [batch, heads, seq, seq]}; probs
   * may be scores): SOFTMAX as {@link #attention} (masked keys 0, a query with no allowed key uniform);
   * SQUARED_RELU relu(s)²/n; SOFTMAX_PLUS softmax(s·log(max(n, 16))/log 512), where n is the number of
   * non-padding keys of the sequence (bert4keras's key mask sum; 0/0 is 0). The masks are
   * {@link #attention}'s.
   */
  void attentionNormalize(AttentionShape shape, Mask mask, Normalization normalization,
      int[] tokenIds, int[] segmentIds, Slice scores, Slice probs);

  /**
   * Backward of {@link #attentionNormalize}: dScores (overwritten; may be dProbs) from dProbs, the
   * probs and (for SQUARED_RELU) the scores. Masked keys, and queries with no allowed key, get 0.
   */
  void attentionNormalizeBackward(AttentionShape shape, Mask mask, Normalization normalization,
      int[] tokenIds, int[] segmentIds, Slice scores, Slice probs, Slice dProbs, Slice dScores);

  /** ctx_{b,i,h} = Σ_j probs[b,h,i,j]·v_{b,j,h} ({@code ctx} overwritten, v and ctx as in {@link #attention}). */
  void attentionContext(AttentionShape shape, Slice probs, Slice v, Slice ctx);

  /** Backward of {@link #attentionContext}: dProbs and dv (overwritten) from dCtx. */
  void attentionContextBackward(AttentionShape shape, Slice probs, Slice v, Slice dCtx,
      Slice dProbs, Slice dv);

  /**
   * NEZHA's relative term of the output: ctx_{b,i,h} += Σ_j probs[b,h,i,j]·R[clip(j − i) + maxRelative],
   * R as in {@link #relativeScores} with headSize columns.
   */
  void relativeContext(AttentionShape shape, Slice probs, int maxRelative, Slice ctx);

  /** Backward of {@link #relativeContext}: dProbs += dCtx_{b,i,h}·R[...] (the table is fixed). */
  void relativeContextBackward(AttentionShape shape, Slice dCtx, int maxRelative, Slice dProbs);

  /**
   * Talking heads: out[b,g,i,j] = Σ_h w[g][h]·x[b,h,i,j] over {@code [batch, heads, seq, seq]} maps,
   * w {@code [heads, heads]}. out must not be x.
   */
  void mixHeads(AttentionShape shape, Slice x, Slice w, Slice out);

  /** Backward of {@link #mixHeads}: dx (overwritten) and dw (accumulated) from dOut. */
  void mixHeadsBackward(AttentionShape shape, Slice x, Slice w, Slice dOut, Slice dx, Slice dw);

  /**
   * Inverted dropout: out = x ⊙ keep / (1 − p), the keep mask drawn from {@code seed} and the element
   * index (so the backward redraws it). out may be x; p must be in [0, 1), and p = 0 is the identity.
   *
   * <p>The mask, the same on every backend: element i (counted from the slice) is kept iff
   * {@code (mix64(seed ^ i·0x9E3779B97F4A7C15L) >>> 40)·2⁻²⁴ ≥ p}, where mix64 is the SplitMix64
   * finaliser {@code z = (z ^ z >>> 30)·0xBF58476D1CE4E5B9L; z = (z ^ z >>> 27)·0x94D049BB133111EBL;
   * z ^ z >>> 31} (64-bit wrapping arithmetic, unsigned shifts).
   */
  void dropout(Slice x, Slice out, long count, float p, long seed);

  /** Backward of {@link #dropout}: the same mask applied to dOut. dx may be dOut. */
  void dropoutBackward(Slice dOut, Slice dx, long count, float p, long seed);

  /**
   * Softmax cross-entropy over rows of {@code classes} logits (row stride {@code classes}): returns
   * Σ −log softmax(logits[r])[targets[r]] over rows with {@code targets[r] >= 0}, and writes dLogits =
   * (softmax − onehot)·gradScale for those rows and 0 for ignored rows (target −1). A target outside
   * [−1, classes) is an {@link IllegalArgumentException} naming the row. dLogits may be logits.
   */
  double softmaxCrossEntropy(Slice logits, int[] targets, int rows, int classes, Slice dLogits,
      float gradScale);

  /**
   * Binary cross-entropy on one logit per row (ELECTRA's replaced-token detection): returns
   * Σ softplus(z) − t·z (= −log σ(z) for t = 1, −log(1 − σ(z)) for t = 0) over rows with
   * {@code targets[r]} 0 or 1, and writes dLogits = (σ(z) − t)·gradScale for those rows and 0 for
   * ignored rows (target −1). Any other target is an {@link IllegalArgumentException} naming the row.
   * dLogits may be logits.
   */
  double sigmoidCrossEntropy(Slice logits, int[] targets, int rows, Slice dLogits, float gradScale);

  /**
   * The linear-chain CRF loss of bert4keras's {@code ConditionalRandomField} (no start or end
   * scores: a path's score is its emissions and transitions alone). Each sequence b counts its
   * non-padding positions ({@code tokenIds[b·seq + t] != 0}) in order, padding anywhere skipped;
   * over those positions p_1 < … < p_L and their tags y_k = {@code tags[b·seq + p_k]}:
   * loss_b = log Z − score(y), score(y) = Σ_k e[p_k][y_k] + Σ_{k>1} T[y_{k−1}][y_k], Z = Σ over
   * every tag path of e^score (the forward recursion in log space). {@code emissions} are
   * {@code [batch·seq, tagCount]}, {@code transitions} T {@code [tagCount, tagCount]} (row: the tag
   * before, column: the tag after). Returns Σ_b loss_b (a sequence of padding only adds 0); writes
   * dEmissions = gradScale·(P(y_k = j) − [y_k = j]) at non-padding rows and 0 at padding rows
   * (overwriting), and adds gradScale·Σ_k (P(y_{k−1} = i, y_k = j) − [gold pair]) into
   * dTransitions[i][j]. A tag outside [0, tagCount) at a non-padding position is an
   * {@link IllegalArgumentException} naming the sequence and position; tags at padding are ignored.
   * dEmissions must not overlap emissions.
   */
  double crfLoss(Slice emissions, Slice transitions, int[] tags, int[] tokenIds, int batch,
      int seq, int tagCount, Slice dEmissions, Slice dTransitions, float gradScale);

  /**
   * The MEMM loss (bert4keras's maximum-entropy Markov model, forward direction): over each
   * sequence's non-padding positions p_1 < … < p_L as in {@link #crfLoss}, loss_b =
   * Σ_k −log softmax(z_k)[y_k] with z_k[m] = e[p_k][m] + T[y_{k−1}][m] (no transition term for
   * k = 1). Returns Σ_b loss_b; writes dEmissions = gradScale·(softmax(z_k) − onehot(y_k)) at
   * non-padding rows and 0 at padding rows, and adds the same, summed over k > 1, into row
   * y_{k−1} of dTransitions. Tags, shapes and aliasing as in {@link #crfLoss}.
   */
  double memmLoss(Slice emissions, Slice transitions, int[] tags, int[] tokenIds, int batch,
      int seq, int tagCount, Slice dEmissions, Slice dTransitions, float gradScale);

  /**
   * The score GlobalPointer heads give a span that cannot be one (bert4keras's −1e12 of
   * {@code sequence_masking}): {@link #spanMask} writes it, and e to its power is 0 in float and double.
   */
  float MASKED_SPAN = -1e12f;

  /**
   * GlobalPointer's span scores from their logits: {@code scores} is {@code [batch, types, seq, seq]}
   * (cell ((b·types + t)·seq + i)·seq + j scores a span of type t from token i to token j of
   * sequence b). Without {@code bias} (GlobalPointer) the logits have the same layout and scores =
   * logits ({@code scores} may be {@code logits}: in place). With {@code bias} ({@code [batch·seq,
   * 2·types]}, EfficientGlobalPointer's per-token terms) the logits are one {@code [batch, seq, seq]}
   * grid shared by every type and s[b,t,i,j] = logits[b,i,j] + (bias[b·seq + j][2t] +
   * bias[b·seq + i][2t + 1]) / 2, as bert4keras adds {@code bias[:, ::2, None]} over the end and
   * {@code bias[:, 1::2, :, None]} over the start ({@code scores} apart from both). Either way a cell
   * is {@link #MASKED_SPAN} where token i or token j is padding ({@code tokenIds[b·seq + i] == 0}) or,
   * with {@code tril}, where i > j (a span that ends before it starts).
   */
  void spanMask(Slice logits, Slice bias, Slice scores, int[] tokenIds, int batch, int seq,
      int types, boolean tril);

  /**
   * Backward of {@link #spanMask}: dLogits (overwritten; 0 at the masked cells) and, with
   * {@code dBias} (overwritten; null when the forward had no bias), dBias[b·seq + j][2t] =
   * ½ Σ_i dScores[b,t,i,j] and dBias[b·seq + i][2t + 1] = ½ Σ_j dScores[b,t,i,j] over the unmasked
   * cells. Without a bias dLogits may be dScores (in place); with one, dLogits
   * ({@code [batch, seq, seq]}) = Σ_t dScores over the unmasked cells, apart from dScores.
   */
  void spanMaskBackward(Slice dScores, Slice dLogits, Slice dBias, int[] tokenIds, int batch,
      int seq, int types, boolean tril);

  /**
   * bert4keras's multilabel categorical cross-entropy of GlobalPointer scores ({@code [batch, types,
   * seq, seq]} as in {@link #spanMask}), one row per (b, t) over its seq² cells: with P the row's
   * target cells, loss_{b,t} = log(1 + Σ_{c∉P} e^{s_c}) + log(1 + Σ_{c∈P} e^{−s_c}). {@code spans}
   * holds 4 ints per target span, (b, t, i, j): the cell of sequence b, type t, start i, end j (a span
   * given twice counts once). Returns Σ_{b,t} loss_{b,t} (in double); writes dScores (overwriting; it
   * may be scores) = gradScale·e^{s_c}/(1 + Σ_{c'∉P} e^{s_c'}) at c ∉ P and
   * −gradScale·e^{−s_c}/(1 + Σ_{c'∈P} e^{−s_c'}) at c ∈ P. Masked cells ({@link #MASKED_SPAN}) add 0
   * and get 0 when they are not targets.
   */
  double spanLoss(Slice scores, int[] spans, int batch, int seq, int types, Slice dScores,
      float gradScale);

  /**
   * Training step {@code call} (counted from 1) of a model's bound optimizer, over the whole flat
   * parameter and gradient buffers: the fused update of every parameter, every extension included,
   * or, on a step that only accumulates gradients, the addition of the gradients to the accumulator.
   * {@code state} holds one slice per {@link StateRegion}, by ordinal, null where
   * {@link BoundOptimizer#regionFloats} is 0. The optimizer describes the update (per-tensor flags,
   * state layout, the scalars of each step: {@link BoundOptimizer#step}); the backend runs it, in
   * the float operations of the CPU backend's {@code CpuOptimizerStep}, on its own memory.
   */
  void optimizerStep(BoundOptimizer optimizer, Slice params, Slice grads, Slice[] state, long call);

  /**
   * The index, counted from {@code x}, of the first of {@code count} floats that is NaN or ±∞; −1
   * when all are finite. Training checks its gradients with it before each update, where they live,
   * so one number crosses to the host rather than the buffer.
   */
  long firstNonFinite(Slice x, long count);

  /** Releases backend resources (thread pools, device contexts). */
  @Override
  void close();
}
