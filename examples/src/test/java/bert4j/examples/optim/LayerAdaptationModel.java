package bert4j.examples.optim;

import bert4j.dsl.*;

/** Adam + layer adaptation (LAMB). */
@Transformer(layers = 1, hidden = 16, heads = 2, intermediate = 32, vocab = 30, maxPosition = 8,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(classes = 2)
@Optimizer(learningRate = 1e-3,
    layerAdaptation = @LayerAdaptation(exclude = {"LayerNorm", "bias$"}))
public interface LayerAdaptationModel {}
