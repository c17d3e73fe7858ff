package bert4j.examples;

import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/**
 * BERT-base with a Chinese vocabulary (12 layers, 768 hidden, 12 heads, 3072 intermediate, 21128
 * tokens) and a two-class head: the model the benchmark times.
 */
@Transformer(layers = 12, hidden = 768, heads = 12, intermediate = 3072, vocab = 21128,
    maxPosition = 512)
@Heads(pooler = true, classes = 2)
public interface BertBase {}
