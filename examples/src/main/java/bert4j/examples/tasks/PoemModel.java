package bert4j.examples.tasks;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Optimizer;
import bert4j.dsl.Point;
import bert4j.dsl.Transformer;

/**
 * A small GPT-2 for Tang quatrains ({@link PoemGeneration}): pre-norm, causal, its LM head tied to the
 * token embedding, over a character vocabulary of 4,000 built from the poems; each position predicts
 * the next character. The learning rate warms up over 100 updates and falls to a tenth by update 430
 * (2 epochs of the shipped poems at batch 64).
 */
@Transformer(architecture = Architecture.GPT2, layers = 4, hidden = 256, heads = 4,
    intermediate = 1024, vocab = 4000, maxPosition = 48, hiddenDropout = 0.1)
@Attention(dropout = 0.1)
@Heads(mlm = true)
@Optimizer(learningRate = 1e-3, schedule = {@Point(step = 100, multiplier = 1),
    @Point(step = 430, multiplier = 0.1)})
public interface PoemModel {}
