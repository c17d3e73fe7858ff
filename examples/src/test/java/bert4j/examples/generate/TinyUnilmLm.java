package bert4j.examples.generate;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/** A UniLM small enough to search exhaustively: 7 tokens besides padding ({@link RecomputingLmTest}). */
@Transformer(layers = 2, hidden = 16, heads = 2, intermediate = 32, vocab = 8, maxPosition = 12,
    hiddenDropout = 0)
@Attention(mask = Mask.UNILM, dropout = 0)
@Heads(mlm = true)
public interface TinyUnilmLm {}
