package bert4j.examples.heads;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/** A one-layer encoder with a 3-tag MEMM. */
@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 20, maxPosition = 8,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(memm = 3)
public interface TinyMemm {}
