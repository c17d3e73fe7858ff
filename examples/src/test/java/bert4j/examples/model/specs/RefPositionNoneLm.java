package bert4j.examples.model.specs;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Position;
import bert4j.dsl.Transformer;

/**
 * Decoding test spec: no position embedding under the LM mask, with dropout (off at inference, so
 * absent from the decoding pass).
 */
@Transformer(layers = 2, hidden = 32, heads = 4, intermediate = 64, vocab = 60, maxPosition = 16,
    position = Position.NONE, hiddenDropout = 0.1)
@Attention(mask = Mask.LM, dropout = 0.1)
@Heads(mlm = true)
public interface RefPositionNoneLm {}
