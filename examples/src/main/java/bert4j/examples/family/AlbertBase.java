package bert4j.examples.family;

import bert4j.dsl.Activation;
import bert4j.dsl.Architecture;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/**
 * ALBERT-base (albert-base-v2's config: 12 layers sharing one, 768 hidden, 128-wide embeddings,
 * 30000 tokens) with its pooler and MLM head; Hugging Face {@code AlbertForPreTraining} names.
 */
@Transformer(architecture = Architecture.ALBERT, layers = 12, hidden = 768, heads = 12,
    intermediate = 3072, vocab = 30000, embeddingSize = 128, activation = Activation.GELU_TANH,
    hiddenDropout = 0)
@Heads(pooler = true, mlm = true)
public interface AlbertBase {}
