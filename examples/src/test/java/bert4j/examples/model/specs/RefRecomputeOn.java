package bert4j.examples.model.specs;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/**
 * Recompute test spec with recompute: each layer's backward replays its forward. Identical to
 * {@link RefRecomputeOff} otherwise: three layers, dropout on (hidden 0.1, attention 0.1), UniLM
 * mask, pooler, MLM and classifier.
 */
@Transformer(layers = 3, hidden = 32, heads = 4, intermediate = 64, vocab = 60, maxPosition = 16,
    hiddenDropout = 0.1, recompute = true)
@Attention(mask = Mask.UNILM, dropout = 0.1)
@Heads(pooler = true, mlm = true, classes = 3)
public interface RefRecomputeOn {}
