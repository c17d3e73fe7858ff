package bert4j.examples.tasks;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Optimizer;
import bert4j.dsl.Point;
import bert4j.dsl.Transformer;

/**
 * A small UniLM for couplets ({@link CoupletGeneration}): a BERT whose UniLM mask lets the second half
 * (segment 1) read the first half and its own earlier characters, trained to predict each character of
 * the second half; a character vocabulary of 4,000 built from the data. The learning rate warms up over
 * 200 updates and falls to a tenth by update 2,500 (8 epochs of the shipped data at batch 64).
 */
@Transformer(layers = 4, hidden = 256, heads = 4, intermediate = 1024, vocab = 4000,
    maxPosition = 24, hiddenDropout = 0.1)
@Attention(mask = Mask.UNILM, dropout = 0.1)
@Heads(mlm = true)
@Optimizer(learningRate = 1e-3, schedule = {@Point(step = 200, multiplier = 1),
    @Point(step = 2500, multiplier = 0.1)})
public interface CoupletModel {}
