package bert4j.examples.optim;

import bert4j.dsl.*;

/** Lion. */
@Transformer(layers = 1, hidden = 16, heads = 2, intermediate = 32, vocab = 30, maxPosition = 8,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(classes = 2)
@Optimizer(value = Method.LION, learningRate = 1e-4, beta1 = 0.9, beta2 = 0.99)
public interface LionModel {}
