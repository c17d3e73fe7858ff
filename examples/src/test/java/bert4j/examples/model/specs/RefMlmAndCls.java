package bert4j.examples.model.specs;

import bert4j.dsl.Activation;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/** Reference test spec: MLM and a classifier on [CLS] (no pooler) sharing the sequence gradient, swish. */
@Transformer(layers = 2, hidden = 32, heads = 4, intermediate = 64, vocab = 60, maxPosition = 16,
    activation = Activation.SWISH, hiddenDropout = 0)
@Attention(mask = Mask.UNILM, dropout = 0)
@Heads(mlm = true, classes = 2)
public interface RefMlmAndCls {}
