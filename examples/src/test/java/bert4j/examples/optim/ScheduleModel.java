package bert4j.examples.optim;

import bert4j.dsl.*;

/** Adam + piecewise-linear schedule. */
@Transformer(layers = 1, hidden = 16, heads = 2, intermediate = 32, vocab = 30, maxPosition = 8,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(classes = 2)
@Optimizer(learningRate = 1e-3,
    schedule = {@Point(step = 10, multiplier = 1), @Point(step = 20, multiplier = 0.1)})
public interface ScheduleModel {}
