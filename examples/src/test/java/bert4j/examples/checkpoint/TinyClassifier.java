package bert4j.examples.checkpoint;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/** The same encoder with a new classifier ({@link PartialLoadTest}). */
@Transformer(layers = 2, hidden = 16, heads = 2, intermediate = 32, vocab = 30, maxPosition = 16,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(pooler = true, classes = 3)
public interface TinyClassifier {}
