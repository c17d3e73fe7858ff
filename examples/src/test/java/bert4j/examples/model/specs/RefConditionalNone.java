package bert4j.examples.model.specs;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/**
 * Reference test spec: conditional layer norms (a condition of 5 per sequence moves every norm's γ
 * and β, the MLM head's too), padding mask only, every head.
 */
@Transformer(layers = 2, hidden = 32, heads = 4, intermediate = 64, vocab = 60, maxPosition = 16,
    conditionSize = 5, hiddenDropout = 0)
@Attention(mask = Mask.NONE, dropout = 0)
@Heads(pooler = true, mlm = true, classes = 3)
public interface RefConditionalNone {}
