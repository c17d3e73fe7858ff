package bert4j.examples.model;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.examples.model.Tape.Act;
import bert4j.examples.model.Tape.Node;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An independent reference of the BERT that bert4j generates (bert4keras / Hugging Face semantics,
 * post-LN), in double precision on {@link Tape}: outputs, the training loss of the present heads, and
 * the gradient of the loss with respect to every parameter. It reads the parameters by their Hugging
 * Face names from a map and uses no runtime code: no kernels, no input staging.
 *
 * <p>What it computes, for token ids {@code tok} and segment ids {@code seg} ([batch][seq]):
 * <pre>
 *   x0 = LN(W_tok[tok] + W_pos[pos] + W_seg[seg])
 *   per layer: q, k, v = x·Wᵀ + b; logits = q·k·scale (1/√keySize, or 1); key j allowed iff tok[j] != 0 and
 *     (LM) j ≤ i, (UNILM) c[j] ≤ c[i] with c = cumsum(seg); masked keys get p = 0, a row with no
 *     allowed key is uniform; ctx = Σ p v; x1 = LN(ctx·Woᵀ + bo + x); x2 = LN(act(x1·Wiᵀ + bi)·Wᵀ + b + x1)
 *   pooled = tanh([CLS]·Wpᵀ + bp); mlm = LN(act(x·Wtᵀ + bt))·W_tokᵀ + bias
 *   class = (pooled or [CLS])·Wcᵀ + bc; tokenClass = x·Wtcᵀ + btc (every position, no dropout)
 *   loss = mean CE of the classes over the batch + mean CE of the MLM targets: tokenLabels ≥ 0 (NONE),
 *     the next token where it is not padding (LM), and also in segment 1 (UNILM)
 *     + mean CE of the token classes over the positions with tokenLabels ≥ 0
 * </pre>
 */
final class ReferenceBert {

  /** The spec, written by hand from the annotations of the spec under test. */
  record Config(int layers, int hidden, int heads, int keySize, int intermediate, int vocab,
      int maxPosition, int segments, Activation activation, double eps, Mask mask, boolean pooler,
      boolean mlm, int classes, boolean scale, int tokenClasses) {
    /** Without a token-classification head. */
    Config(int layers, int hidden, int heads, int keySize, int intermediate, int vocab,
        int maxPosition, int segments, Activation activation, double eps, Mask mask, boolean pooler,
        boolean mlm, int classes, boolean scale) {
      this(layers, hidden, heads, keySize, intermediate, vocab, maxPosition, segments, activation, eps,
          mask, pooler, mlm, classes, scale, 0);
    }

    int headSize() {
      return hidden / heads;
    }

    /** Every parameter name with its shape, in Hugging Face naming. */
    Map<String, int[]> parameterShapes() {
      Map<String, int[]> shapes = new LinkedHashMap<>();
      shapes.put("embeddings.word_embeddings.weight", new int[] {vocab, hidden});
      shapes.put("embeddings.position_embeddings.weight", new int[] {maxPosition, hidden});
      shapes.put("embeddings.token_type_embeddings.weight", new int[] {segments, hidden});
      shapes.put("embeddings.LayerNorm.weight", new int[] {hidden});
      shapes.put("embeddings.LayerNorm.bias", new int[] {hidden});
      int qk = heads * keySize;
      int v = heads * headSize();
      for (int l = 0; l < layers; l++) {
        String p = "encoder.layer." + l + ".";
        linear(shapes, p + "attention.self.query", qk, hidden);
        linear(shapes, p + "attention.self.key", qk, hidden);
        linear(shapes, p + "attention.self.value", v, hidden);
        linear(shapes, p + "attention.output.dense", hidden, v);
        linear(shapes, p + "attention.output.LayerNorm", hidden, 0);
        linear(shapes, p + "intermediate.dense", intermediate, hidden);
        linear(shapes, p + "output.dense", hidden, intermediate);
        linear(shapes, p + "output.LayerNorm", hidden, 0);
      }
      if (pooler) {
        linear(shapes, "pooler.dense", hidden, hidden);
      }
      if (mlm) {
        linear(shapes, "cls.predictions.transform.dense", hidden, hidden);
        linear(shapes, "cls.predictions.transform.LayerNorm", hidden, 0);
        shapes.put("cls.predictions.bias", new int[] {vocab});
      }
      if (classes > 0) {
        linear(shapes, "classifier", classes, hidden);
      }
      if (tokenClasses > 0) {
        linear(shapes, "token_classifier", tokenClasses, hidden);
      }
      return shapes;
    }

    private static void linear(Map<String, int[]> shapes, String prefix, int out, int in) {
      shapes.put(prefix + ".weight", in == 0 ? new int[] {out} : new int[] {out, in});
      shapes.put(prefix + ".bias", new int[] {out});
    }
  }

  /**
   * Outputs ([batch, seq, hidden], [batch, hidden], [batch, seq, vocab], [batch, classes],
   * [batch, seq, tokenClasses]; null when absent).
   */
  record Result(double[] sequenceOutput, double[] pooledOutput, double[] mlmLogits,
      double[] classLogits, double[] tokenClassLogits, double loss, Map<String, double[]> gradients) {}

  private final Config config;
  private final Map<String, double[]> weights;

  ReferenceBert(Config config, Map<String, double[]> weights) {
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

  /** Inference: the outputs only. */
  Result forward(int[][] tok, int[][] seg) {
    return run(tok, seg, null, null, false);
  }

  /**
   * Training: outputs, loss, and gradients. {@code labels} for a classification head,
   * {@code tokenLabels} (−1 = not counted) for the MLM head with mask NONE and for a
   * token-classification head.
   */
  Result train(int[][] tok, int[][] seg, int[] labels, int[][] tokenLabels) {
    return run(tok, seg, labels, tokenLabels, true);
  }

  /** The training loss alone (for finite differences of the reference itself). */
  double loss(int[][] tok, int[][] seg, int[] labels, int[][] tokenLabels) {
    return run(tok, seg, labels, tokenLabels, false).loss;
  }

  private Result run(int[][] tok, int[][] seg, int[] labels, int[][] tokenLabels, boolean gradients) {
    Config c = config;
    int batch = tok.length;
    int seq = tok[0].length;
    int rows = batch * seq;
    int h = c.hidden();
    Tape tape = new Tape();
    Map<String, Node> p = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : c.parameterShapes().entrySet()) {
      p.put(e.getKey(), tape.leaf(weights.get(e.getKey()), e.getValue()));
    }
    int[] tokFlat = new int[rows];
    int[] segFlat = new int[rows];
    int[] posFlat = new int[rows];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < seq; i++) {
        tokFlat[b * seq + i] = tok[b][i];
        segFlat[b * seq + i] = seg[b][i];
        posFlat[b * seq + i] = i;
      }
    }
    Node emb = tape.add(tape.add(tape.gather(p.get("embeddings.word_embeddings.weight"), tokFlat),
        tape.gather(p.get("embeddings.position_embeddings.weight"), posFlat)),
        tape.gather(p.get("embeddings.token_type_embeddings.weight"), segFlat));
    Node x = tape.layerNorm(emb, p.get("embeddings.LayerNorm.weight"), p.get("embeddings.LayerNorm.bias"),
        c.eps());

    boolean[][][] allowed = allowed(tok, seg);
    Act act = Act.valueOf(c.activation().name());
    double scale = c.scale() ? 1 / Math.sqrt(c.keySize()) : 1;
    for (int l = 0; l < c.layers(); l++) {
      String n = "encoder.layer." + l + ".";
      Node q = linear(tape, p, x, n + "attention.self.query");
      Node k = linear(tape, p, x, n + "attention.self.key");
      Node v = linear(tape, p, x, n + "attention.self.value");
      Node logits = tape.attentionLogits(q, k, batch, seq, c.heads(), c.keySize(), scale);
      Node probs = tape.maskedSoftmax(logits, allowed, batch, c.heads(), seq);
      Node ctx = tape.attentionContext(probs, v, batch, seq, c.heads(), c.headSize());
      Node a = linear(tape, p, ctx, n + "attention.output.dense");
      Node x1 = tape.layerNorm(tape.add(a, x), p.get(n + "attention.output.LayerNorm.weight"),
          p.get(n + "attention.output.LayerNorm.bias"), c.eps());
      Node f = tape.act(linear(tape, p, x1, n + "intermediate.dense"), act);
      Node o = linear(tape, p, f, n + "output.dense");
      x = tape.layerNorm(tape.add(o, x1), p.get(n + "output.LayerNorm.weight"),
          p.get(n + "output.LayerNorm.bias"), c.eps());
    }
    Node sequence = x;
    int[] clsRows = new int[batch];
    for (int b = 0; b < batch; b++) {
      clsRows[b] = b * seq;
    }
    Node cls = tape.selectRows(sequence, clsRows);
    Node pooled = c.pooler() ? tape.act(linear(tape, p, cls, "pooler.dense"), Act.TANH) : null;

    Node loss = null;
    Node mlmLogits = null;
    if (c.mlm()) {
      Node t = tape.act(linear(tape, p, sequence, "cls.predictions.transform.dense"), act);
      t = tape.layerNorm(t, p.get("cls.predictions.transform.LayerNorm.weight"),
          p.get("cls.predictions.transform.LayerNorm.bias"), c.eps());
      mlmLogits = tape.addBias(tape.matmulT(t, p.get("embeddings.word_embeddings.weight")),
          p.get("cls.predictions.bias"));
      int[] targets = mlmTargets(tok, seg, tokenLabels);
      if (targets != null) {
        int counted = 0;
        for (int target : targets) {
          counted += target >= 0 ? 1 : 0;
        }
        loss = tape.crossEntropy(mlmLogits, targets, counted == 0 ? 0 : 1.0 / counted);
      }
    }
    Node classLogits = null;
    if (c.classes() > 0) {
      classLogits = linear(tape, p, pooled != null ? pooled : cls, "classifier");
      if (labels != null) {
        Node ce = tape.crossEntropy(classLogits, labels, 1.0 / batch);
        loss = loss == null ? ce : tape.add(loss, ce);
      }
    }
    Node tokenClassLogits = null;
    if (c.tokenClasses() > 0) {
      tokenClassLogits = linear(tape, p, sequence, "token_classifier");
      if (tokenLabels != null) {
        int[] targets = new int[rows];
        int counted = 0;
        for (int b = 0; b < batch; b++) {
          for (int i = 0; i < seq; i++) {
            targets[b * seq + i] = tokenLabels[b][i];
            counted += tokenLabels[b][i] >= 0 ? 1 : 0;
          }
        }
        Node ce = tape.crossEntropy(tokenClassLogits, targets, counted == 0 ? 0 : 1.0 / counted);
        loss = loss == null ? ce : tape.add(loss, ce);
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
    return new Result(sequence.value, pooled == null ? null : pooled.value,
        mlmLogits == null ? null : mlmLogits.value, classLogits == null ? null : classLogits.value,
        tokenClassLogits == null ? null : tokenClassLogits.value, loss == null ? Double.NaN : loss.value[0], grads);
  }

  private static Node linear(Tape tape, Map<String, Node> p, Node x, String prefix) {
    return tape.linear(x, p.get(prefix + ".weight"), p.get(prefix + ".bias"));
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
