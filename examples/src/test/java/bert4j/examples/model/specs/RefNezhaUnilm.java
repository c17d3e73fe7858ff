package bert4j.examples.model.specs;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/**
 * Reference test spec: NEZHA (typical relative positions, clipped at ±3 so that the clip shows at
 * these lengths), UniLM mask, every head.
 */
@Transformer(architecture = Architecture.NEZHA, layers = 2, hidden = 32, heads = 4,
    intermediate = 64, vocab = 60, maxPosition = 16, maxRelativePosition = 3, hiddenDropout = 0)
@Attention(mask = Mask.UNILM, dropout = 0)
@Heads(pooler = true, mlm = true, classes = 3)
public interface RefNezhaUnilm {}
