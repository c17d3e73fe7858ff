package bert4j.dsl;

/**
 * The model family a {@link Transformer} spec describes; decides block structure and weight names
 * (Hugging Face's where Hugging Face has the model, so its checkpoints load directly).
 */
public enum Architecture {
  /** Post-LN encoder with token, segment and learned absolute position embeddings (also RoBERTa). */
  BERT,
  /**
   * BERT with a factorized embedding ({@code embeddingSize}, then
   * {@code encoder.embedding_hidden_mapping_in}) and one attention and one feed-forward block shared
   * by every layer: their gradient is the sum over the layers. Hugging Face {@code AlbertModel} names.
   */
  ALBERT,
  /**
   * ALBERT's embeddings with BERT's structure: every layer has its own parameters, and an ALBERT
   * checkpoint's one shared layer loads into each of them.
   */
  ALBERT_UNSHARED,
  /**
   * BERT with NEZHA's "typical relative" positions instead of absolute ones (Hugging Face
   * {@code NezhaModel} names).
   */
  NEZHA,
  /**
   * BERT without absolute positions: rotary position embedding on q and k (RoFormer, Hugging Face
   * {@code RoFormerModel} names).
   */
  ROFORMER,
  /**
   * RoFormer-V2: no biases anywhere, a parameter-free RMS norm instead of layer norm, and an MLM head
   * that is the tied token embedding alone.
   */
  ROFORMER_V2,
  /**
   * BERT with a factorized embedding ({@code embeddingSize}, then {@code embeddings_project}) and the
   * replaced-token discriminator head ({@code Heads.discriminator}); Hugging Face {@code ElectraModel}
   * names.
   */
  ELECTRA,
  /**
   * OpenAI GPT (and CDial-GPT): post-LN, causal, token and learned position embeddings without a norm,
   * the LM head the tied token embedding; Hugging Face {@code OpenAIGPTModel} names.
   */
  GPT,
  /**
   * GPT-2: pre-LN blocks with a final {@code ln_f}, token and learned position embeddings, the LM head
   * the tied token embedding; Hugging Face {@code GPT2Model} names, with the fused {@code attn.c_attn}
   * and Conv1D weights stored {@code [in, out]} in checkpoints.
   */
  GPT2,
  /**
   * T5 1.0: an encoder and a decoder in one model, pre-norm blocks with a weight-only RMS norm
   * (eps 1e-6), no biases, no 1/√d scaling of the attention logits, T5's bucketed relative position
   * bias ({@link Position#T5_RELATIVE}), cross-attention over the encoder output, a ReLU
   * feed-forward block ({@code DenseReluDense.wi}, {@code wo}) and the LM head the tied token
   * embedding ({@code shared.weight}) on the decoder output scaled by hidden^−0.5. Hugging Face
   * {@code T5ForConditionalGeneration} names.
   */
  T5,
  /**
   * T5 1.1 and mT5: {@link #T5} with the gated feed-forward block ({@code wi_0} activated, times
   * {@code wi_1}; activation GELU_TANH, Hugging Face's {@code gated-gelu}, unless the spec says
   * otherwise) and an untied LM head ({@code lm_head.weight}) without scaling.
   */
  T5_1_1;

  /** Whether the model is an encoder and a decoder (T5): its batches carry decoder ids. */
  public boolean encoderDecoder() {
    return this == T5 || this == T5_1_1;
  }

  /** Whether the token embedding may be narrower than the hidden states ({@code embeddingSize}). */
  public boolean factorizesEmbeddings() {
    return this == ALBERT || this == ALBERT_UNSHARED || this == ELECTRA || this == ROFORMER;
  }

  /** Whether the model is a causal language model (GPT, GPT-2): its mask must be {@code LM}. */
  public boolean causal() {
    return this == GPT || this == GPT2;
  }

  /**
   * The position kind of {@link Position#DEFAULT}: rotary for RoFormer, typical relative for NEZHA,
   * learned otherwise.
   */
  public Position defaultPosition() {
    return switch (this) {
      case ROFORMER, ROFORMER_V2 -> Position.ROTARY;
      case NEZHA -> Position.TYPICAL_RELATIVE;
      case T5, T5_1_1 -> Position.T5_RELATIVE;
      default -> Position.LEARNED;
    };
  }

  /**
   * The layer-norm epsilon of {@code layerNormEps = 0}: 1e-5 for GPT and GPT-2, 1e-6 for T5, 1e-12
   * otherwise.
   */
  public double defaultLayerNormEps() {
    return causal() ? 1e-5 : encoderDecoder() ? 1e-6 : 1e-12;
  }
}
