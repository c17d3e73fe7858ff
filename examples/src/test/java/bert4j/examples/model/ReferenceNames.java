package bert4j.examples.model;

import bert4j.dsl.Architecture;

/**
 * The Hugging Face names of each architecture's parameters, written by hand for {@link ReferenceBert}
 * (the names Hugging Face's {@code BertModel}, {@code AlbertModel}, {@code NezhaModel},
 * {@code RoFormerModel}, {@code ElectraModel}, {@code OpenAIGPTModel} and {@code GPT2Model} give them;
 * Hugging Face has no talking heads, so theirs are named beside the query), so a generated model whose
 * names differ fails the reference tests.
 */
final class ReferenceNames {
  private ReferenceNames() {}

  /** ALBERT's one layer, shared by every layer. */
  static final String ALBERT_SHARED = "encoder.albert_layer_groups.0.albert_layers.0.";

  /**
   * One layer's parts, after the layer's prefix: dense layers and norms (each {@code .weight} and
   * {@code .bias} where present). {@code fusedQkv} is GPT's one dense layer whose rows are q, k, v;
   * where it is set, {@code query}, {@code key} and {@code value} are null. {@code talkingHeads} is
   * the start of the two talking-heads matrices' names, which end {@code pre.weight} and
   * {@code post.weight}.
   */
  record Layer(String query, String key, String value, String fusedQkv, String attentionOutput,
      String attentionNorm, String intermediate, String output, String outputNorm,
      String talkingHeads) {}

  /** The token embedding [vocab, embeddingSize], also the tied LM decoder. */
  static String words(Architecture a) {
    return switch (a) {
      case GPT -> "tokens_embed.weight";
      case GPT2 -> "wte.weight";
      default -> "embeddings.word_embeddings.weight";
    };
  }

  /** The learned position embedding [maxPosition, embeddingSize]. */
  static String positions(Architecture a) {
    return switch (a) {
      case GPT -> "positions_embed.weight";
      case GPT2 -> "wpe.weight";
      default -> "embeddings.position_embeddings.weight";
    };
  }

  static final String SEGMENTS = "embeddings.token_type_embeddings.weight";
  static final String EMBEDDING_NORM = "embeddings.LayerNorm";

  /** The dense layer from the embedding width to the hidden width (where there is one). */
  static String projection(Architecture a) {
    return a == Architecture.ALBERT || a == Architecture.ALBERT_UNSHARED
        ? "encoder.embedding_hidden_mapping_in" : "embeddings_project";
  }

  /** The prefix of layer {@code l}'s parameters: the shared one for every layer of ALBERT. */
  static String layerPrefix(Architecture a, int l) {
    return switch (a) {
      case ALBERT -> ALBERT_SHARED;
      case GPT, GPT2 -> "h." + l + ".";
      default -> "encoder.layer." + l + ".";
    };
  }

  static Layer layer(Architecture a) {
    return switch (a) {
      case ALBERT, ALBERT_UNSHARED -> new Layer("attention.query", "attention.key",
          "attention.value", null, "attention.dense", "attention.LayerNorm", "ffn", "ffn_output",
          "full_layer_layer_norm", "attention.talking_heads_");
      case GPT, GPT2 -> new Layer(null, null, null, "attn.c_attn", "attn.c_proj", "ln_1",
          "mlp.c_fc", "mlp.c_proj", "ln_2", "attn.talking_heads_");
      // BERT's, also NEZHA's, RoFormer's and ELECTRA's
      default -> new Layer("attention.self.query", "attention.self.key", "attention.self.value",
          null, "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense",
          "output.dense", "output.LayerNorm", "attention.self.talking_heads_");
    };
  }

  /**
   * The dense layers of a conditional layer norm (bert4j's names: Hugging Face has none), after the
   * norm's prefix: W_γ and W_β [width, conditionSize].
   */
  static final String GAMMA_DENSE = ".gamma_dense.weight";
  static final String BETA_DENSE = ".beta_dense.weight";

  /** GPT-2's norm after the last layer. */
  static final String FINAL_NORM = "ln_f";

  static String pooler(Architecture a) {
    return albert(a) ? "pooler" : "pooler.dense";
  }

  /** The MLM head's dense layer [embeddingSize, hidden] before the tied decoder. */
  static String mlmTransform(Architecture a) {
    return albert(a) ? "predictions.dense" : "cls.predictions.transform.dense";
  }

  static String mlmNorm(Architecture a) {
    return albert(a) ? "predictions.LayerNorm" : "cls.predictions.transform.LayerNorm";
  }

  /** The MLM head's output bias [vocab]. */
  static String mlmBias(Architecture a) {
    return albert(a) ? "predictions.bias" : "cls.predictions.bias";
  }

  static final String CLASSIFIER = "classifier";
  static final String TOKEN_CLASSIFIER = "token_classifier";
  static final String DISCRIMINATOR = "discriminator_predictions.dense";
  static final String DISCRIMINATOR_PREDICTION = "discriminator_predictions.dense_prediction";

  private static boolean albert(Architecture a) {
    return a == Architecture.ALBERT || a == Architecture.ALBERT_UNSHARED;
  }
}
