package bert4j.examples.optim;

import bert4j.dsl.*;

/** Plain SGD. */
@Transformer(layers = 1, hidden = 16, heads = 2, intermediate = 32, vocab = 30, maxPosition = 8,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(classes = 2)
@Optimizer(value = Method.SGD, learningRate = 0.1)
public interface SgdModel {}
