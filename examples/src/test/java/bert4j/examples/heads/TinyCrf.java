package bert4j.examples.heads;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/** A one-layer encoder with a 4-tag CRF, small enough to enumerate every tag path. */
@Transformer(layers = 1, hidden = 8, heads = 2, intermediate = 16, vocab = 20, maxPosition = 8,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(crf = 4)
public interface TinyCrf {}
