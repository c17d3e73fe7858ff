package bert4j.examples.model.specs;

import bert4j.dsl.Activation;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/** Reference test spec: a classifier on the [CLS] state (no pooler, no MLM), ReLU. */
@Transformer(layers = 2, hidden = 32, heads = 4, intermediate = 64, vocab = 60, maxPosition = 16,
    activation = Activation.RELU, hiddenDropout = 0)
@Attention(mask = Mask.NONE, dropout = 0)
@Heads(classes = 3)
public interface RefClassifierOnCls {}
