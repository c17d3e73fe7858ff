package bert4j.examples.family;

import bert4j.dsl.Architecture;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/**
 * RoFormer-base (junnyu/roformer_chinese_base's config: 12 layers, 768 hidden, 50000 tokens, 1536
 * positions carried by rotary embeddings) with its MLM head; Hugging Face {@code RoFormerModel} names.
 */
@Transformer(architecture = Architecture.ROFORMER, layers = 12, hidden = 768, heads = 12,
    intermediate = 3072, vocab = 50000, maxPosition = 1536)
@Heads(mlm = true)
public interface RoformerBase {}
