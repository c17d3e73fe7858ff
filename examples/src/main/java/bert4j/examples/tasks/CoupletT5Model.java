package bert4j.examples.tasks;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Multiplier;
import bert4j.dsl.Optimizer;
import bert4j.dsl.Point;
import bert4j.dsl.Transformer;

/**
 * The couplet task's T5: a small T5 1.1 (three encoder and three decoder layers, hidden 256, four
 * heads of 64, a gated feed-forward block of 512) over the 4,036 pieces of the couplets'
 * SentencePiece model, trained from T5's initialisation: the rate warms up to 1e-3 over 300 steps and
 * decays linearly to a tenth of it by the end of the example's 10 epochs (3,130 steps). The relative
 * position tables learn 30 times faster: they start at about 0.06 and must reach several units to
 * single out a distance, and an Adam step moves a weight by about the rate.
 */
@Transformer(architecture = Architecture.T5_1_1, layers = 3, hidden = 256, heads = 4,
    intermediate = 512, vocab = 4036, maxPosition = 16, hiddenDropout = 0.1)
@Attention(dropout = 0.1)
@Heads(mlm = true)
@Optimizer(learningRate = 1e-3, schedule = {@Point(step = 300, multiplier = 1),
    @Point(step = 3130, multiplier = 0.1)},
    multipliers = @Multiplier(pattern = "relative_attention_bias", value = 30))
public interface CoupletT5Model {}
