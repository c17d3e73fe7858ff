package bert4j.examples.optim;

import bert4j.dsl.*;

/** Adam + weight decay. */
@Transformer(layers = 1, hidden = 16, heads = 2, intermediate = 32, vocab = 30, maxPosition = 8,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(classes = 2)
@Optimizer(learningRate = 1e-3,
    weightDecay = @WeightDecay(rate = 0.1, exclude = {"LayerNorm", "bias"}))
public interface WeightDecayModel {}
