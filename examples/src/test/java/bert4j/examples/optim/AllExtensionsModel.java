package bert4j.examples.optim;

import bert4j.dsl.*;

/** Adam with every extension at once. */
@Transformer(layers = 1, hidden = 16, heads = 2, intermediate = 32, vocab = 30, maxPosition = 8,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(classes = 2)
@Optimizer(value = Method.ADAM, learningRate = 1e-3,
    weightDecay = @WeightDecay(rate = 0.01, exclude = {"LayerNorm", "bias"}),
    layerAdaptation = @LayerAdaptation(exclude = "LayerNorm"),
    schedule = {@Point(step = 3, multiplier = 1), @Point(step = 12, multiplier = 0.2)},
    accumulation = @Accumulation(steps = 2),
    lookahead = @Lookahead(steps = 3, alpha = 0.6),
    lazy = @Lazy(include = "word_embeddings"),
    ema = @Ema(momentum = 0.8),
    multipliers = @Multiplier(pattern = "classifier", value = 3),
    clipNorm = @ClipNorm(0.5))
public interface AllExtensionsModel {}
