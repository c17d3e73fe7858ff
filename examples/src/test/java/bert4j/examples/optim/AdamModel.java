package bert4j.examples.optim;

import bert4j.dsl.*;

/** Adam with bert4keras's defaults (ε 1e-6, bias correction). */
@Transformer(layers = 1, hidden = 16, heads = 2, intermediate = 32, vocab = 30, maxPosition = 8,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(classes = 2)
@Optimizer(value = Method.ADAM, learningRate = 1e-3)
public interface AdamModel {}
