package bert4j.examples.model.specs;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/** A tiny classifier for the synthetic-task learning test (does token 7 appear?). */
@Transformer(layers = 2, hidden = 32, heads = 4, intermediate = 64, vocab = 24, maxPosition = 16,
    hiddenDropout = 0)
@Attention(mask = Mask.NONE, dropout = 0)
@Heads(pooler = true, classes = 2)
public interface RefLearner {}
