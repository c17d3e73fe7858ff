package bert4j.examples.family;

import bert4j.dsl.Architecture;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/**
 * NEZHA-base (sijunhe/nezha-cn-base's config: 12 layers, 768 hidden, 21128 tokens, relative
 * positions clipped at ±64) with its pooler; Hugging Face {@code NezhaModel} names.
 */
@Transformer(architecture = Architecture.NEZHA, layers = 12, hidden = 768, heads = 12,
    intermediate = 3072, vocab = 21128)
@Heads(pooler = true)
public interface NezhaBase {}
