package bert4j.examples.checkpoint;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/** A BertForPreTraining-style model: encoder, pooler and MLM head ({@link PartialLoadTest}). */
@Transformer(layers = 2, hidden = 16, heads = 2, intermediate = 32, vocab = 30, maxPosition = 16,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(pooler = true, mlm = true)
public interface TinyPretraining {}
