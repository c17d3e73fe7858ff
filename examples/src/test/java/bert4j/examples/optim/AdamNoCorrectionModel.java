package bert4j.examples.optim;

import bert4j.dsl.*;

/** Adam without bias correction. */
@Transformer(layers = 1, hidden = 16, heads = 2, intermediate = 32, vocab = 30, maxPosition = 8,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(classes = 2)
@Optimizer(value = Method.ADAM, learningRate = 2e-3, beta1 = 0.8, beta2 = 0.99, biasCorrection = false)
public interface AdamNoCorrectionModel {}
