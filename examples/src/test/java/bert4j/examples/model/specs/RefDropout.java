package bert4j.examples.model.specs;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/** Test spec with dropout on (hidden 0.1, attention 0.1), for training determinism. */
@Transformer(layers = 2, hidden = 32, heads = 4, intermediate = 64, vocab = 60, maxPosition = 16,
    hiddenDropout = 0.1)
@Attention(mask = Mask.UNILM, dropout = 0.1)
@Heads(pooler = true, mlm = true, classes = 3)
public interface RefDropout {}
