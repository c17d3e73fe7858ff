package bert4j.processor.blocks;

import bert4j.dsl.Architecture;

/**
 * The checkpoint names of one encoder layer's parameters, after the layer's prefix: Hugging Face's for
 * each architecture. {@code fusedQkv} is set where q, k and v are one stored dense layer (GPT's
 * {@code attn.c_attn}); then {@code query}, {@code key} and {@code value} are unused.
 */
record LayerNames(String prefix, String query, String key, String value, String fusedQkv,
    String attentionOutput, String attentionNorm, String intermediate, String output,
    String outputNorm) {

  /** ALBERT's one shared layer, declared outside the layers under this full prefix. */
  static final String ALBERT_SHARED = "encoder.albert_layer_groups.0.albert_layers.0.";

  static LayerNames of(Architecture architecture) {
    return switch (architecture) {
      case BERT, NEZHA, ROFORMER, ROFORMER_V2, ELECTRA -> new LayerNames("encoder.layer.",
          "attention.self.query", "attention.self.key", "attention.self.value", null,
          "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense",
          "output.dense", "output.LayerNorm");
      case ALBERT, ALBERT_UNSHARED -> new LayerNames("encoder.layer.", "attention.query",
          "attention.key", "attention.value", null, "attention.dense", "attention.LayerNorm", "ffn",
          "ffn_output", "full_layer_layer_norm");
      case GPT, GPT2 -> new LayerNames("h.", null, null, null, "attn.c_attn", "attn.c_proj", "ln_1",
          "mlp.c_fc", "mlp.c_proj", "ln_2");
      case T5, T5_1_1 -> throw new IllegalArgumentException("T5's layers are named by blocks.T5");
    };
  }

  /** The talking-heads matrix {@code which} ("pre" or "post"), beside the q projection. */
  String talkingHeads(String which) {
    String q = fusedQkv != null ? fusedQkv : query;
    return q.substring(0, q.lastIndexOf('.') + 1) + "talking_heads_" + which + ".weight";
  }

  /** The prefix of layer {@code l}'s own parameters. */
  String layerPrefix(int l) {
    return prefix + l + ".";
  }
}
