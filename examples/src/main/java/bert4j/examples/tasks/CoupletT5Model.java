package bert4j.examples.tasks;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Optimizer;
import bert4j.dsl.Point;
import bert4j.dsl.Transformer;

/**
 * The couplet task's T5: a small T5 1.1 (three encoder and three decoder layers, hidden 256, four
 * heads of 64, a gated feed-forward block of 512) over the couplets' 4,000 most frequent characters,
 * trained from random initialisation.
 */
@Transformer(architecture = Architecture.T5_1_1, layers = 3, hidden = 256, heads = 4,
    intermediate = 512, vocab = 4000, maxPosition = 16, hiddenDropout = 0.1)
@Attention(dropout = 0.1)
@Heads(mlm = true)
@Optimizer(learningRate = 1e-3, schedule = {@Point(step = 200, multiplier = 1),
    @Point(step = 1600, multiplier = 0.1)})
public interface CoupletT5Model {}
