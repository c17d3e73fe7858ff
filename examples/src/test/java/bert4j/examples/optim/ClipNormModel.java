package bert4j.examples.optim;

import bert4j.dsl.*;

/** Adam + gradient clipping by global norm. */
@Transformer(layers = 1, hidden = 16, heads = 2, intermediate = 32, vocab = 30, maxPosition = 8,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(classes = 2)
@Optimizer(learningRate = 1e-3, clipNorm = @ClipNorm(0.05))
public interface ClipNormModel {}
