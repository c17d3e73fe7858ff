package bert4j.examples.optim;

import bert4j.dsl.*;

/** Adam + exponential moving average. */
@Transformer(layers = 1, hidden = 16, heads = 2, intermediate = 32, vocab = 30, maxPosition = 8,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(classes = 2)
@Optimizer(learningRate = 1e-3, ema = @Ema(momentum = 0.9))
public interface EmaModel {}
