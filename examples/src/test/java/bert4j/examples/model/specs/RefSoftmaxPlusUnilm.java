package bert4j.examples.model.specs;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.dsl.Transformer;

/**
 * Reference test spec: BERT with softmax plus, UniLM mask, every head; 32 positions, so sequences of
 * more than 16 keys show its length scale.
 */
@Transformer(layers = 2, hidden = 32, heads = 4, intermediate = 64, vocab = 60, maxPosition = 32,
    hiddenDropout = 0)
@Attention(mask = Mask.UNILM, dropout = 0, normalization = Normalization.SOFTMAX_PLUS)
@Heads(pooler = true, mlm = true, classes = 3)
public interface RefSoftmaxPlusUnilm {}
