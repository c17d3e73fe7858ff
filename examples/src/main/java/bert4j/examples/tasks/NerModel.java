package bert4j.examples.tasks;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Multiplier;
import bert4j.dsl.Optimizer;
import bert4j.dsl.Transformer;

/**
 * A small BERT with a CRF on top for character-level NER ({@link NerWithCrf}): 7 IOB2 tags; the
 * transitions learn 20 times faster, as bert4keras's CRF {@code lr_multiplier} has them.
 */
@Transformer(layers = 2, hidden = 128, heads = 4, intermediate = 512, vocab = 21128,
    maxPosition = 128, hiddenDropout = 0.1)
@Attention(dropout = 0.1)
@Heads(crf = 7)
@Optimizer(learningRate = 5e-4, multipliers = @Multiplier(pattern = "crf.transitions", value = 20))
public interface NerModel {}
