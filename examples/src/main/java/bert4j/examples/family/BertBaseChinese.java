package bert4j.examples.family;

import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/** bert-base-chinese's {@code BertModel}: 12 layers, 768 hidden, 21128 tokens, with the pooler. */
@Transformer(layers = 12, hidden = 768, heads = 12, intermediate = 3072, vocab = 21128)
@Heads(pooler = true)
public interface BertBaseChinese {}
