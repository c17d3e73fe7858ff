package bert4j.examples.model.specs;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/**
 * Reference test spec: GPT-2 with conditional layer norms (a condition of 3 per sequence moves
 * {@code ln_1}, {@code ln_2} and {@code ln_f}), LM mask, the tied LM head.
 */
@Transformer(architecture = Architecture.GPT2, layers = 2, hidden = 32, heads = 4,
    intermediate = 64, vocab = 60, maxPosition = 16, conditionSize = 3, hiddenDropout = 0)
@Attention(mask = Mask.LM, dropout = 0)
@Heads(mlm = true)
public interface RefConditionalGpt2 {}
