package bert4j.examples.optim;

import bert4j.dsl.*;

/** SGD with Nesterov momentum. */
@Transformer(layers = 1, hidden = 16, heads = 2, intermediate = 32, vocab = 30, maxPosition = 8,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(classes = 2)
@Optimizer(value = Method.SGD, learningRate = 0.05, momentum = 0.9, nesterov = true)
public interface NesterovModel {}
