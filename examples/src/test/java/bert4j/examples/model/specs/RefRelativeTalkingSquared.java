package bert4j.examples.model.specs;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.dsl.Position;
import bert4j.dsl.Transformer;

/**
 * Reference test spec: the options together on BERT: typical relative positions (clipped at ±3),
 * talking heads and squared ReLU, key size 4 (so the relative tables of the scores and of the
 * context differ in width), causal (LM) mask, every head.
 */
@Transformer(layers = 2, hidden = 32, heads = 4, intermediate = 64, vocab = 60, maxPosition = 16,
    position = Position.TYPICAL_RELATIVE, maxRelativePosition = 3, hiddenDropout = 0)
@Attention(mask = Mask.LM, dropout = 0, keySize = 4, talkingHeads = true,
    normalization = Normalization.SQUARED_RELU)
@Heads(pooler = true, mlm = true, classes = 3)
public interface RefRelativeTalkingSquared {}
