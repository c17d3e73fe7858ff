package bert4j.examples.train;

import bert4j.dsl.Attention;
import bert4j.dsl.Ema;
import bert4j.dsl.Heads;
import bert4j.dsl.Optimizer;
import bert4j.dsl.Point;
import bert4j.dsl.Transformer;

/**
 * The Trainer tests' model: a tiny classifier whose training depends on the dropout stream (hidden
 * and attention dropout), a warmup-then-decay schedule for the learning-rate log, and a moving
 * average to evaluate under.
 */
@Transformer(layers = 2, hidden = 16, heads = 2, intermediate = 32, vocab = 30, maxPosition = 16,
    hiddenDropout = 0.1)
@Attention(dropout = 0.1)
@Heads(classes = 2)
@Optimizer(learningRate = 1e-2, ema = @Ema(momentum = 0.9),
    schedule = {@Point(step = 4, multiplier = 1), @Point(step = 20, multiplier = 0.1)})
public interface TrainerModel {}
