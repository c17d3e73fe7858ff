package bert4j.examples.model.specs;

import bert4j.dsl.Activation;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/**
 * Reference test spec: token classification (5 classes, on every position) next to a sequence
 * classifier on the pooled output (3 classes), padding mask only: the two losses add up.
 */
@Transformer(layers = 2, hidden = 32, heads = 4, intermediate = 64, vocab = 60, maxPosition = 16,
    activation = Activation.GELU, hiddenDropout = 0)
@Attention(mask = Mask.NONE, dropout = 0)
@Heads(pooler = true, classes = 3, tokenClasses = 5)
public interface RefTokenClasses {}
