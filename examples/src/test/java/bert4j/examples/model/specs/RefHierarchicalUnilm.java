package bert4j.examples.model.specs;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Position;
import bert4j.dsl.Transformer;

/**
 * Reference test spec: hierarchical positions on a table of 4 rows, so that sequences of up to
 * 4² = 16 tokens run and every position from 4 on is a mix of two rows; UniLM mask, every head.
 */
@Transformer(layers = 2, hidden = 32, heads = 4, intermediate = 64, vocab = 60, maxPosition = 4,
    position = Position.HIERARCHICAL, hiddenDropout = 0)
@Attention(mask = Mask.UNILM, dropout = 0)
@Heads(pooler = true, mlm = true, classes = 3)
public interface RefHierarchicalUnilm {}
