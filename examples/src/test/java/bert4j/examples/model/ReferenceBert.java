package bert4j.examples.model;

import bert4j.dsl.Activation;
import bert4j.dsl.Architecture;
import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.dsl.Position;
import bert4j.examples.model.Harness.Inputs;
import bert4j.examples.model.Tape.Act;
import bert4j.examples.model.Tape.Node;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An independent reference of the models bert4j generates for the BERT family of bert4keras (BERT,
 * ALBERT shared and unshared, NEZHA, RoFormer v1 and v2, ELECTRA, GPT, GPT-2, with the attention
 * options: normalization, biases, talking heads; hierarchical positions and conditional layer
 * norms; Hugging Face semantics), in double precision on {@link Tape}: outputs, the training loss
 * of the present heads, and the gradient of the loss with respect to every parameter. It reads the
 * parameters by their Hugging Face names ({@link ReferenceNames}) from a map and uses no runtime
 * code: no kernels, no input staging.
 *
 * <p>What it computes, for token ids {@code tok} and segment ids {@code seg} ([batch][seq]) and,
 * with conditional layer norms, a condition c_b per sequence:
 * <pre>
 *   e = W_tok[tok] + W_pos[pos] (learned positions only) + W_seg[seg] (segments &gt; 0), width E;
 *     hierarchical positions read α·W′[pos / n] + (1 − α)·W′[pos mod n] instead, n the table's
 *     rows, W′ = (W_pos − α·W_pos[0])/(1 − α), α = 0.4
 *   x0 = Norm(e) (none for GPT, GPT-2), then x0·W_projᵀ + b (ALBERT; ELECTRA and RoFormer when E ≠ H)
 *   Norm = LN (γ, β), or RMS(x) = x/√(mean(x²) + eps) without parameters (RoFormer-V2); with
 *     conditions (conditionSize &gt; 0), every LN of sequence b (the MLM head's too) takes
 *     γ + W_γ·c_b and β + W_β·c_b
 *   attention: q, k, v = x·Wᵀ + b (GPT: one fused c_attn, rows q, k, v; no biases for RoFormer-V2
 *     or useBias = false); rotary positions turn q and k; s = q·k·scale (1/√keySize, or 1), plus
 *     q·R_dk[r(i, j)]·scale with typical relative positions (R_w the fixed sinusoid table of width w,
 *     r(i, j) = clip(j − i, −m, m) + m); talking heads mix s over the heads (W_pre); key j allowed iff
 *     tok[j] != 0 and (LM) j ≤ i, (UNILM) c[j] ≤ c[i] with c = cumsum(seg); with n_b the
 *     non-padding keys of the sequence, p = softmax over the allowed keys (of s·log(max(n_b, 16))/
 *     log 512 for softmax plus; a row with no allowed key is uniform over every key) or
 *     relu(s)²/n_b on the allowed keys (squared ReLU); masked keys get p = 0; talking heads mix p
 *     (W_post); A(x) = (Σ_j p_ij (v_j + R_dv[r(i, j)]))·Woᵀ + bo, the R term with relative positions
 *   post-LN layer: x1 = Norm(A(x) + x); x2 = Norm(act(x1·Wiᵀ + bi)·Wᵀ + b + x1)
 *   pre-LN layer (GPT-2): a = x + A(Norm(x)); x2 = a + act(Norm(a)·Wiᵀ + bi)·Wᵀ + b; after the last
 *     layer LN (ln_f). ALBERT: every layer uses the one shared layer's parameters
 *   pooled = tanh([CLS]·Wpᵀ + bp); mlm = LN(act(x·Wtᵀ + bt))·W_tokᵀ + bias (GPT, GPT-2,
 *     RoFormer-V2: x·W_tokᵀ)
 *   class = (pooled or [CLS])·Wcᵀ + bc; tokenClass = x·Wtcᵀ + btc (every position, no dropout)
 *   discriminator = act(x·Wdᵀ + bd)·wᵀ + b, one logit per position
 *   loss = mean CE of the classes over the batch + mean CE of the MLM targets: tokenLabels ≥ 0 (NONE),
 *     the next token where it is not padding (LM), and also in segment 1 (UNILM)
 *     + mean CE of the token classes over the positions with tokenLabels ≥ 0
 *     + mean binary CE of the discriminator over the positions with tokenLabels 0 or 1
 * </pre>
 */
final class ReferenceBert {

  /**
   * The attention options of {@code @Attention} ({@code normalization}, {@code useBias},
   * {@code talkingHeads}) and the clip m of typical relative positions ({@code maxRelativePosition}).
   */
  record Options(Normalization normalization, boolean useBias, boolean talkingHeads,
      int maxRelativePosition) {
    /** The defaults: softmax, biases, no talking heads, NEZHA's clip 64. */
    static final Options DEFAULT = new Options(Normalization.SOFTMAX, true, false, 64);
  }

  /**
   * The spec, written by hand from the annotations of the spec under test, with the architecture's
   * defaults resolved: {@code embeddingSize} is the embedding width (= hidden when not factorized),
   * {@code position} LEARNED, HIERARCHICAL, ROTARY, TYPICAL_RELATIVE or NONE, {@code eps} the
   * architecture's when the spec sets none; {@code conditionSize} the width of the conditions of
   * conditional layer norms (0: plain ones).
   */
  record Config(Architecture architecture, int layers, int hidden, int embeddingSize, int heads,
      int keySize, int intermediate, int vocab, int maxPosition, int segments, Position position,
      Activation activation, double eps, Mask mask, boolean pooler, boolean mlm, int classes,
      boolean scale, int tokenClasses, boolean discriminator, Options options, int conditionSize) {
    /** A BERT. */
    Config(int layers, int hidden, int heads, int keySize, int intermediate, int vocab,
        int maxPosition, int segments, Activation activation, double eps, Mask mask, boolean pooler,
        boolean mlm, int classes, boolean scale, int tokenClasses) {
      this(Architecture.BERT, layers, hidden, hidden, heads, keySize, intermediate, vocab,
          maxPosition, segments, Position.LEARNED, activation, eps, mask, pooler, mlm, classes, scale,
          tokenClasses, false, Options.DEFAULT, 0);
    }

    /** A BERT without a token-classification head. */
    Config(int layers, int hidden, int heads, int keySize, int intermediate, int vocab,
        int maxPosition, int segments, Activation activation, double eps, Mask mask, boolean pooler,
        boolean mlm, int classes, boolean scale) {
      this(layers, hidden, heads, keySize, intermediate, vocab, maxPosition, segments, activation, eps,
          mask, pooler, mlm, classes, scale, 0);
    }

    /** This config with the attention options {@code o}. */
    Config with(Options o) {
      return new Config(architecture, layers, hidden, embeddingSize, heads, keySize, intermediate,
          vocab, maxPosition, segments, position, activation, eps, mask, pooler, mlm, classes, scale,
          tokenClasses, discriminator, o, conditionSize);
    }

    /** This config with conditional layer norms on conditions of {@code size}. */
    Config conditional(int size) {
      return new Config(architecture, layers, hidden, embeddingSize, heads, keySize, intermediate,
          vocab, maxPosition, segments, position, activation, eps, mask, pooler, mlm, classes, scale,
          tokenClasses, discriminator, options, size);
    }

    /** Whether there is a learned table of positions (read hierarchically or not). */
    boolean learnedPositions() {
      return position == Position.LEARNED || position == Position.HIERARCHICAL;
    }

    int headSize() {
      return hidden / heads;
    }

    /** RoFormer-V2's norms: RMS without parameters, in place of every layer norm of the encoder. */
    boolean rmsNorm() {
      return architecture == Architecture.ROFORMER_V2;
    }

    /** GPT and GPT-2 have no norm on the embeddings. */
    boolean normedEmbeddings() {
      return architecture != Architecture.GPT && architecture != Architecture.GPT2;
    }

    /** Whether the embeddings are projected to the hidden width. */
    boolean projects() {
      return switch (architecture) {
        case ALBERT, ALBERT_UNSHARED -> true;
        case ELECTRA, ROFORMER -> embeddingSize != hidden;
        default -> false;
      };
    }

    /** RoFormer-V2's dense layers in the encoder have no bias. */
    boolean layerBiases() {
      return architecture != Architecture.ROFORMER_V2;
    }

    /** Biases on q, k, v and the attention output: none for RoFormer-V2 or useBias = false. */
    boolean attentionBiases() {
      return layerBiases() && options.useBias();
    }

    /**
     * Whether d loss / d key bias is 0 in exact arithmetic: the key bias adds q_i·b to every score
     * of query i, which a softmax (plain or plus, after any head mixing) ignores; not so with rotary
     * positions, which turn b by each key's position, nor with squared ReLU.
     */
    boolean keyBiasGradientVanishes() {
      return position != Position.ROTARY && options.normalization() != Normalization.SQUARED_RELU;
    }

    /** GPT-2's pre-LN layers, with a final norm. */
    boolean preNorm() {
      return architecture == Architecture.GPT2;
    }

    /** The MLM head is the tied token embedding alone (no transform, no bias). */
    boolean tiedDecoderOnly() {
      return switch (architecture) {
        case GPT, GPT2, ROFORMER_V2 -> true;
        default -> false;
      };
    }

    /** Every parameter name with its shape, in Hugging Face naming, in the model's order. */
    Map<String, int[]> parameterShapes() {
      Architecture a = architecture;
      int e = embeddingSize;
      Map<String, int[]> shapes = new LinkedHashMap<>();
      shapes.put(ReferenceNames.words(a), new int[] {vocab, e});
      if (learnedPositions()) {
        shapes.put(ReferenceNames.positions(a), new int[] {maxPosition, e});
      }
      if (segments > 0) {
        shapes.put(ReferenceNames.SEGMENTS, new int[] {segments, e});
      }
      if (normedEmbeddings()) {
        norm(shapes, ReferenceNames.EMBEDDING_NORM, e);
      }
      if (projects()) {
        linear(shapes, ReferenceNames.projection(a), hidden, e, true);
      }
      if (a == Architecture.ALBERT) {
        layer(shapes, ReferenceNames.ALBERT_SHARED);
      } else {
        for (int l = 0; l < layers; l++) {
          layer(shapes, ReferenceNames.layerPrefix(a, l));
        }
      }
      if (preNorm()) {
        norm(shapes, ReferenceNames.FINAL_NORM, hidden);
      }
      if (pooler) {
        linear(shapes, ReferenceNames.pooler(a), hidden, hidden, true);
      }
      if (mlm && !tiedDecoderOnly()) {
        linear(shapes, ReferenceNames.mlmTransform(a), e, hidden, true);
        norm(shapes, ReferenceNames.mlmNorm(a), e);
        shapes.put(ReferenceNames.mlmBias(a), new int[] {vocab});
      }
      if (classes > 0) {
        linear(shapes, ReferenceNames.CLASSIFIER, classes, hidden, true);
      }
      if (tokenClasses > 0) {
        linear(shapes, ReferenceNames.TOKEN_CLASSIFIER, tokenClasses, hidden, true);
      }
      if (discriminator) {
        linear(shapes, ReferenceNames.DISCRIMINATOR, hidden, hidden, true);
        linear(shapes, ReferenceNames.DISCRIMINATOR_PREDICTION, 1, hidden, true);
      }
      return shapes;
    }

    private void layer(Map<String, int[]> shapes, String prefix) {
      ReferenceNames.Layer n = ReferenceNames.layer(architecture);
      int qk = heads * keySize;
      int v = heads * headSize();
      boolean bias = layerBiases();
      boolean attentionBias = attentionBiases();
      if (n.fusedQkv() != null) {
        linear(shapes, prefix + n.fusedQkv(), qk + qk + v, hidden, attentionBias);
      } else {
        linear(shapes, prefix + n.query(), qk, hidden, attentionBias);
        linear(shapes, prefix + n.key(), qk, hidden, attentionBias);
        linear(shapes, prefix + n.value(), v, hidden, attentionBias);
      }
      linear(shapes, prefix + n.attentionOutput(), hidden, v, attentionBias);
      if (options.talkingHeads()) {
        shapes.put(prefix + n.talkingHeads() + "pre.weight", new int[] {heads, heads});
        shapes.put(prefix + n.talkingHeads() + "post.weight", new int[] {heads, heads});
      }
      norm(shapes, prefix + n.attentionNorm(), hidden);
      linear(shapes, prefix + n.intermediate(), intermediate, hidden, bias);
      linear(shapes, prefix + n.output(), hidden, intermediate, bias);
      norm(shapes, prefix + n.outputNorm(), hidden);
    }

    private void norm(Map<String, int[]> shapes, String prefix, int width) {
      if (!rmsNorm()) {
        shapes.put(prefix + ".weight", new int[] {width});
        shapes.put(prefix + ".bias", new int[] {width});
      }
      if (conditionSize > 0) {
        shapes.put(prefix + ReferenceNames.GAMMA_DENSE, new int[] {width, conditionSize});
        shapes.put(prefix + ReferenceNames.BETA_DENSE, new int[] {width, conditionSize});
      }
    }

    private static void linear(Map<String, int[]> shapes, String prefix, int out, int in,
        boolean bias) {
      shapes.put(prefix + ".weight", new int[] {out, in});
      if (bias) {
        shapes.put(prefix + ".bias", new int[] {out});
      }
    }
  }

  /**
   * Outputs ([batch, seq, hidden], [batch, hidden], [batch, seq, vocab], [batch, classes],
   * [batch, seq, tokenClasses], [batch, seq, 1]; null when absent).
   */
  record Result(double[] sequenceOutput, double[] pooledOutput, double[] mlmLogits,
      double[] classLogits, double[] tokenClassLogits, double[] discriminatorLogits, double loss,
      Map<String, double[]> gradients) {}

  /** bert4keras's α of hierarchical positions. */
  static final double HIERARCHICAL_ALPHA = 0.4;

  private final Config config;
  private final Map<String, double[]> weights;

  ReferenceBert(Config config, Map<String, double[]> weights) {
    if (config.position() == Position.DEFAULT) {
      throw new IllegalArgumentException("resolve the DEFAULT position to the architecture's");
    }
    if (config.conditionSize() > 0 && config.rmsNorm()) {
      throw new IllegalArgumentException("RMS norms have no γ or β to condition");
    }
    this.config = config;
    this.weights = weights;
    for (Map.Entry<String, int[]> e : config.parameterShapes().entrySet()) {
      double[] w = weights.get(e.getKey());
      int n = 1;
      for (int d : e.getValue()) {
        n *= d;
      }
      if (w == null || w.length != n) {
        throw new IllegalArgumentException("reference needs " + e.getKey() + " with " + n + " values");
      }
    }
  }

  /** Inference: the outputs only, from the tokens, segments and conditions of {@code in}. */
  Result forward(Inputs in) {
    return run(in.tokens(), in.segments(), in.conditions(), null, null, false);
  }

  /**
   * Training: outputs, loss, and gradients. {@code labels} for a classification head,
   * {@code tokenLabels} (−1 = not counted) for the MLM head with mask NONE, for a
   * token-classification head and for the discriminator.
   */
  Result train(Inputs in) {
    return run(in.tokens(), in.segments(), in.conditions(), in.labels(), in.tokenLabels(), true);
  }

  /** The training loss alone (for finite differences of the reference itself). */
  double loss(Inputs in) {
    return run(in.tokens(), in.segments(), in.conditions(), in.labels(), in.tokenLabels(), false)
        .loss;
  }

  private Result run(int[][] tok, int[][] seg, float[][] conditions, int[] labels,
      int[][] tokenLabels, boolean gradients) {
    Config c = config;
    Architecture a = c.architecture();
    int batch = tok.length;
    int seq = tok[0].length;
    int rows = batch * seq;
    Tape tape = new Tape();
    Map<String, Node> p = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : c.parameterShapes().entrySet()) {
      p.put(e.getKey(), tape.leaf(weights.get(e.getKey()), e.getValue()));
    }
    Node condition = conditionOf(tape, conditions, batch);
    int[] tokFlat = new int[rows];
    int[] segFlat = new int[rows];
    int[] posFlat = new int[rows];
    int[] tokenLabelsFlat = tokenLabels == null ? null : new int[rows];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < seq; i++) {
        tokFlat[b * seq + i] = tok[b][i];
        segFlat[b * seq + i] = seg[b][i];
        posFlat[b * seq + i] = i;
        if (tokenLabels != null) {
          tokenLabelsFlat[b * seq + i] = tokenLabels[b][i];
        }
      }
    }
    Node words = p.get(ReferenceNames.words(a));
    Node x = tape.gather(words, tokFlat);
    if (c.position() == Position.LEARNED) {
      x = tape.add(x, tape.gather(p.get(ReferenceNames.positions(a)), posFlat));
    } else if (c.position() == Position.HIERARCHICAL) {
      x = tape.add(x, tape.hierarchicalPositions(p.get(ReferenceNames.positions(a)), posFlat,
          HIERARCHICAL_ALPHA));
    }
    if (c.segments() > 0) {
      x = tape.add(x, tape.gather(p.get(ReferenceNames.SEGMENTS), segFlat));
    }
    if (c.normedEmbeddings()) {
      x = norm(tape, p, x, ReferenceNames.EMBEDDING_NORM, condition);
    }
    if (c.projects()) {
      x = linear(tape, p, x, ReferenceNames.projection(a));
    }

    boolean[][][] allowed = allowed(tok, seg);
    int[] keys = new int[batch];
    for (int b = 0; b < batch; b++) {
      for (int t : tok[b]) {
        keys[b] += t != 0 ? 1 : 0;
      }
    }
    Act act = Act.valueOf(c.activation().name());
    ReferenceNames.Layer n = ReferenceNames.layer(a);
    for (int l = 0; l < c.layers(); l++) {
      String prefix = ReferenceNames.layerPrefix(a, l);
      if (c.preNorm()) {
        Node attended = tape.add(x, attention(tape, p,
            norm(tape, p, x, prefix + n.attentionNorm(), condition), prefix, allowed, keys, batch,
            seq));
        Node fed = feedForward(tape, p,
            norm(tape, p, attended, prefix + n.outputNorm(), condition), prefix, act);
        x = tape.add(attended, fed);
      } else {
        Node attended = norm(tape, p,
            tape.add(attention(tape, p, x, prefix, allowed, keys, batch, seq), x),
            prefix + n.attentionNorm(), condition);
        x = norm(tape, p, tape.add(feedForward(tape, p, attended, prefix, act), attended),
            prefix + n.outputNorm(), condition);
      }
    }
    if (c.preNorm()) {
      x = norm(tape, p, x, ReferenceNames.FINAL_NORM, condition);
    }
    Node sequence = x;
    int[] clsRows = new int[batch];
    for (int b = 0; b < batch; b++) {
      clsRows[b] = b * seq;
    }
    Node cls = tape.selectRows(sequence, clsRows);
    Node pooled = c.pooler()
        ? tape.act(linear(tape, p, cls, ReferenceNames.pooler(a)), Act.TANH) : null;

    Node loss = null;
    Node mlmLogits = null;
    if (c.mlm()) {
      if (c.tiedDecoderOnly()) {
        mlmLogits = tape.matmulT(sequence, words);
      } else {
        Node t = tape.act(linear(tape, p, sequence, ReferenceNames.mlmTransform(a)), act);
        t = norm(tape, p, t, ReferenceNames.mlmNorm(a), condition);
        mlmLogits = tape.addBias(tape.matmulT(t, words), p.get(ReferenceNames.mlmBias(a)));
      }
      int[] targets = mlmTargets(tok, seg, tokenLabels);
      if (targets != null) {
        loss = tape.crossEntropy(mlmLogits, targets, meanOver(targets, 0, Integer.MAX_VALUE));
      }
    }
    Node classLogits = null;
    if (c.classes() > 0) {
      classLogits = linear(tape, p, pooled != null ? pooled : cls, ReferenceNames.CLASSIFIER);
      if (labels != null) {
        loss = plus(tape, loss, tape.crossEntropy(classLogits, labels, 1.0 / batch));
      }
    }
    Node tokenClassLogits = null;
    if (c.tokenClasses() > 0) {
      tokenClassLogits = linear(tape, p, sequence, ReferenceNames.TOKEN_CLASSIFIER);
      if (tokenLabels != null) {
        loss = plus(tape, loss, tape.crossEntropy(tokenClassLogits, tokenLabelsFlat,
            meanOver(tokenLabelsFlat, 0, Integer.MAX_VALUE)));
      }
    }
    Node discriminatorLogits = null;
    if (c.discriminator()) {
      Node hidden = tape.act(linear(tape, p, sequence, ReferenceNames.DISCRIMINATOR), act);
      discriminatorLogits = linear(tape, p, hidden, ReferenceNames.DISCRIMINATOR_PREDICTION);
      if (tokenLabels != null) {
        loss = plus(tape, loss, tape.sigmoidCrossEntropy(discriminatorLogits, tokenLabelsFlat,
            meanOver(tokenLabelsFlat, 0, 1)));
      }
    }

    Map<String, double[]> grads = null;
    if (gradients) {
      if (loss == null) {
        throw new IllegalArgumentException("no loss: give the labels the heads need");
      }
      tape.backward(loss);
      grads = new LinkedHashMap<>();
      for (Map.Entry<String, Node> e : p.entrySet()) {
        grads.put(e.getKey(), e.getValue().grad.clone());
      }
    }
    return new Result(sequence.value, valueOf(pooled), valueOf(mlmLogits), valueOf(classLogits),
        valueOf(tokenClassLogits), valueOf(discriminatorLogits),
        loss == null ? Double.NaN : loss.value[0], grads);
  }

  /**
   * The attention branch of one layer, A(x) = attention(q, k, v)·Woᵀ + bo, with the projections of
   * the layer at {@code prefix}; {@code keys[b]} the non-padding keys of sequence b. In order:
   * scores (+ relative), pre-mix, mask and normalization, post-mix, context (+ relative).
   */
  private Node attention(Tape tape, Map<String, Node> p, Node x, String prefix,
      boolean[][][] allowed, int[] keys, int batch, int seq) {
    Config c = config;
    ReferenceNames.Layer n = ReferenceNames.layer(c.architecture());
    int qk = c.heads() * c.keySize();
    Node q;
    Node k;
    Node v;
    if (n.fusedQkv() != null) {
      Node qkv = linear(tape, p, x, prefix + n.fusedQkv());
      q = tape.columns(qkv, 0, qk);
      k = tape.columns(qkv, qk, qk);
      v = tape.columns(qkv, 2 * qk, c.heads() * c.headSize());
    } else {
      q = linear(tape, p, x, prefix + n.query());
      k = linear(tape, p, x, prefix + n.key());
      v = linear(tape, p, x, prefix + n.value());
    }
    if (c.position() == Position.ROTARY) {
      q = tape.rotary(q, seq, c.heads(), c.keySize());
      k = tape.rotary(k, seq, c.heads(), c.keySize());
    }
    double scale = c.scale() ? 1 / Math.sqrt(c.keySize()) : 1;
    boolean relative = c.position() == Position.TYPICAL_RELATIVE;
    int m = c.options().maxRelativePosition();
    Node logits = tape.attentionLogits(q, k, batch, seq, c.heads(), c.keySize(), scale);
    if (relative) {
      logits = tape.add(logits,
          tape.relativeLogits(q, batch, seq, c.heads(), c.keySize(), m, scale));
    }
    if (c.options().talkingHeads()) {
      logits = tape.mixHeads(logits, p.get(prefix + n.talkingHeads() + "pre.weight"), batch,
          c.heads(), seq);
    }
    Node probs = switch (c.options().normalization()) {
      case SOFTMAX -> tape.maskedSoftmax(logits, allowed, batch, c.heads(), seq);
      case SOFTMAX_PLUS -> {
        double[] factors = new double[batch];
        for (int b = 0; b < batch; b++) {
          factors[b] = Math.log(Math.max(keys[b], 16)) / Math.log(512);
        }
        yield tape.maskedSoftmax(tape.scaleBlocks(logits, factors), allowed, batch, c.heads(), seq);
      }
      case SQUARED_RELU -> tape.maskedSquaredRelu(logits, allowed, keys, batch, c.heads(), seq);
    };
    if (c.options().talkingHeads()) {
      probs = tape.mixHeads(probs, p.get(prefix + n.talkingHeads() + "post.weight"), batch,
          c.heads(), seq);
    }
    Node ctx = tape.attentionContext(probs, v, batch, seq, c.heads(), c.headSize());
    if (relative) {
      ctx = tape.add(ctx, tape.relativeContext(probs, batch, seq, c.heads(), c.headSize(), m));
    }
    return linear(tape, p, ctx, prefix + n.attentionOutput());
  }

  /** The feed-forward branch of one layer: act(x·Wiᵀ + bi)·Wᵀ + b. */
  private Node feedForward(Tape tape, Map<String, Node> p, Node x, String prefix, Act act) {
    ReferenceNames.Layer n = ReferenceNames.layer(config.architecture());
    return linear(tape, p, tape.act(linear(tape, p, x, prefix + n.intermediate()), act),
        prefix + n.output());
  }

  /**
   * The architecture's norm of x: the layer norm {@code prefix}, conditional on {@code condition}
   * ([batch, conditionSize]) unless it is null, or RoFormer-V2's RMS norm.
   */
  private Node norm(Tape tape, Map<String, Node> p, Node x, String prefix, Node condition) {
    if (config.rmsNorm()) {
      return tape.rmsNorm(x, config.eps());
    }
    Node gamma = p.get(prefix + ".weight");
    Node beta = p.get(prefix + ".bias");
    return condition == null ? tape.layerNorm(x, gamma, beta, config.eps())
        : tape.conditionalLayerNorm(x, gamma, beta, p.get(prefix + ReferenceNames.GAMMA_DENSE),
            p.get(prefix + ReferenceNames.BETA_DENSE), condition, config.eps());
  }

  /**
   * The batch's conditions as a leaf [batch, conditionSize], or null for a model without
   * conditional layer norms; a conditional model needs one condition of the right size per
   * sequence.
   */
  private Node conditionOf(Tape tape, float[][] conditions, int batch) {
    int size = config.conditionSize();
    if (size == 0) {
      if (conditions != null) {
        throw new IllegalArgumentException("conditions for a model without conditional norms");
      }
      return null;
    }
    if (conditions == null || conditions.length != batch) {
      throw new IllegalArgumentException("the reference needs one condition per sequence");
    }
    double[] values = new double[batch * size];
    for (int b = 0; b < batch; b++) {
      if (conditions[b].length != size) {
        throw new IllegalArgumentException("condition " + b + " has " + conditions[b].length
            + " values, not " + size);
      }
      for (int i = 0; i < size; i++) {
        values[b * size + i] = conditions[b][i];
      }
    }
    return tape.leaf(values, batch, size);
  }

  /** x·Wᵀ + b of the dense layer {@code prefix}; without b where the layer has no bias. */
  private static Node linear(Tape tape, Map<String, Node> p, Node x, String prefix) {
    Node bias = p.get(prefix + ".bias");
    Node y = tape.matmulT(x, p.get(prefix + ".weight"));
    return bias == null ? y : tape.addBias(y, bias);
  }

  private static Node plus(Tape tape, Node loss, Node term) {
    return loss == null ? term : tape.add(loss, term);
  }

  /** 1 / the number of targets in [low, high] (0 when none): the scale of a mean over them. */
  private static double meanOver(int[] targets, int low, int high) {
    int counted = 0;
    for (int t : targets) {
      counted += t >= low && t <= high ? 1 : 0;
    }
    return counted == 0 ? 0 : 1.0 / counted;
  }

  private static double[] valueOf(Node node) {
    return node == null ? null : node.value;
  }

  /** allowed[b][i][j]: may query i attend to key j. */
  boolean[][][] allowed(int[][] tok, int[][] seg) {
    int batch = tok.length;
    int seq = tok[0].length;
    boolean[][][] allowed = new boolean[batch][seq][seq];
    for (int b = 0; b < batch; b++) {
      int[] cumsum = new int[seq];
      int sum = 0;
      for (int i = 0; i < seq; i++) {
        sum += seg[b][i];
        cumsum[i] = sum;
      }
      for (int i = 0; i < seq; i++) {
        for (int j = 0; j < seq; j++) {
          boolean ok = tok[b][j] != 0;
          if (config.mask() == Mask.LM) {
            ok &= j <= i;
          } else if (config.mask() == Mask.UNILM) {
            ok &= cumsum[j] <= cumsum[i];
          }
          allowed[b][i][j] = ok;
        }
      }
    }
    return allowed;
  }

  /** The MLM head's target per position (−1 = not counted); null when NONE has no token labels. */
  private int[] mlmTargets(int[][] tok, int[][] seg, int[][] tokenLabels) {
    int batch = tok.length;
    int seq = tok[0].length;
    int[] targets = new int[batch * seq];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < seq; i++) {
        int target;
        if (config.mask() == Mask.NONE) {
          if (tokenLabels == null) {
            return null;
          }
          target = tokenLabels[b][i];
        } else {
          boolean counts = i + 1 < seq && tok[b][i + 1] != 0
              && (config.mask() == Mask.LM || seg[b][i + 1] == 1);
          target = counts ? tok[b][i + 1] : -1;
        }
        targets[b * seq + i] = target;
      }
    }
    return targets;
  }
}
