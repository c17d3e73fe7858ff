package bert4j.examples.model;

import bert4j.examples.model.Tape.Node;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An independent double-precision T5 (1.0 or 1.1, Hugging Face's or bert4keras's convention) on the
 * test's {@link Tape}: the encoder and the decoder over batches padded to one length S, with
 * Hugging Face's parameter names. Encoder attention masks padding keys (input id 0), decoder
 * self-attention is causal only, cross-attention masks the encoder's padding.
 */
final class ReferenceT5 {
  /** The nodes a test compares: encoder and decoder outputs, logits, the loss (null without labels). */
  record Result(Node encoder, Node decoder, Node logits, Node loss) {}

  private final Tape tape = new Tape();
  private final Map<String, Node> weights = new LinkedHashMap<>();
  private final int layers;
  private final int heads;
  private final int headSize;
  private final int hidden;
  private final boolean gated;
  private final boolean bert4keras;
  private final Tape.Act act;

  ReferenceT5(Map<String, double[]> values, Map<String, int[]> shapes, int layers, int heads,
      int headSize, boolean gated, boolean bert4keras, Tape.Act act) {
    values.forEach((name, v) -> weights.put(name, tape.leaf(v, shapes.get(name))));
    this.layers = layers;
    this.heads = heads;
    this.headSize = headSize;
    this.hidden = shapes.get("shared.weight")[1];
    this.gated = gated;
    this.bert4keras = bert4keras;
    this.act = act;
  }

  Node weight(String name) {
    return weights.get(name);
  }

  void backward(Node loss) {
    tape.backward(loss);
  }

  /**
   * The forward pass over {@code inputIds} and {@code decoderIds}, both {@code [B][S]}; with
   * {@code labels} ({@code [B][S]}, −1 not counted) the mean cross-entropy too.
   */
  Result run(int[][] inputIds, int[][] decoderIds, int[][] labels) {
    int batch = inputIds.length;
    int seq = inputIds[0].length;
    boolean[][][] padding = new boolean[batch][seq][seq];
    boolean[][][] causal = new boolean[batch][seq][seq];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < seq; i++) {
        for (int j = 0; j < seq; j++) {
          padding[b][i][j] = inputIds[b][j] != 0;
          causal[b][i][j] = j <= i;
        }
      }
    }
    Node x = tape.gather(weight("shared.weight"), flat(inputIds));
    Node encoderTable = weight("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight");
    for (int l = 0; l < layers; l++) {
      String p = "encoder.block." + l + ".";
      x = tape.add(x, attention(norm(x, p + "layer.0.layer_norm.weight"), null,
          p + "layer.0.SelfAttention.", encoderTable, T5Buckets.grid(seq, true), padding, batch,
          seq));
      x = tape.add(x, feedForward(norm(x, p + "layer.1.layer_norm.weight"),
          p + "layer.1.DenseReluDense."));
    }
    Node encoded = norm(x, "encoder.final_layer_norm.weight");
    Node y = tape.gather(weight("shared.weight"), flat(decoderIds));
    Node decoderTable = weight("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight");
    int[][] causalBuckets = T5Buckets.grid(seq, false);
    for (int l = 0; l < layers; l++) {
      String p = "decoder.block." + l + ".";
      y = tape.add(y, attention(norm(y, p + "layer.0.layer_norm.weight"), null,
          p + "layer.0.SelfAttention.", decoderTable, causalBuckets, causal, batch, seq));
      y = tape.add(y, attention(norm(y, p + "layer.1.layer_norm.weight"), encoded,
          p + "layer.1.EncDecAttention.", bert4keras ? decoderTable : null, causalBuckets, padding,
          batch, seq));
      y = tape.add(y, feedForward(norm(y, p + "layer.2.layer_norm.weight"),
          p + "layer.2.DenseReluDense."));
    }
    Node decoded = norm(y, "decoder.final_layer_norm.weight");
    Node head = gated ? weight("lm_head.weight") : weight("shared.weight");
    Node logits = tape.matmulT(!gated || bert4keras ? tape.scale(decoded, 1 / Math.sqrt(hidden))
        : decoded, head);
    Node loss = null;
    if (labels != null) {
      int[] targets = flat(labels);
      int counted = 0;
      for (int t : targets) {
        counted += t >= 0 ? 1 : 0;
      }
      loss = tape.crossEntropy(logits, targets, 1.0 / counted);
    }
    return new Result(encoded, decoded, logits, loss);
  }

  /** x / √(mean(x²) + 1e-6) ⊙ weight. */
  private Node norm(Node x, String weightName) {
    return tape.mul(tape.rmsNorm(x, 1e-6), tape.gather(weight(weightName), new int[x.rows()]));
  }

  private Node attention(Node queries, Node memory, String prefix, Node table, int[][] buckets,
      boolean[][][] allowed, int batch, int seq) {
    Node kv = memory == null ? queries : memory;
    Node q = tape.matmulT(queries, weight(prefix + "q.weight"));
    Node k = tape.matmulT(kv, weight(prefix + "k.weight"));
    Node v = tape.matmulT(kv, weight(prefix + "v.weight"));
    Node logits = tape.attentionLogits(q, k, batch, seq, heads, headSize, 1);
    if (table != null) {
      logits = tape.addRelativeBias(logits, table, buckets, batch, heads, seq);
    }
    Node probs = tape.maskedSoftmax(logits, allowed, batch, heads, seq);
    Node context = tape.attentionContext(probs, v, batch, seq, heads, headSize);
    return tape.matmulT(context, weight(prefix + "o.weight"));
  }

  private Node feedForward(Node x, String prefix) {
    Node hiddenRows = gated
        ? tape.mul(tape.act(tape.matmulT(x, weight(prefix + "wi_0.weight")), act),
            tape.matmulT(x, weight(prefix + "wi_1.weight")))
        : tape.act(tape.matmulT(x, weight(prefix + "wi.weight")), act);
    return tape.matmulT(hiddenRows, weight(prefix + "wo.weight"));
  }

  private static int[] flat(int[][] rows) {
    int[] out = new int[rows.length * rows[0].length];
    for (int b = 0; b < rows.length; b++) {
      System.arraycopy(rows[b], 0, out, b * rows[0].length, rows[0].length);
    }
    return out;
  }
}
