package bert4j.examples;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Optimizer;
import bert4j.dsl.Transformer;

/**
 * The main example's model: a small BERT (2 layers, 128 wide) over the Chinese BERT vocabulary with a
 * pooler and a two-class head, trained from scratch on food-delivery reviews.
 */
@Transformer(layers = 2, hidden = 128, heads = 2, intermediate = 512, vocab = 21128,
    maxPosition = 64, hiddenDropout = 0.1)
@Attention(dropout = 0.1)
@Heads(pooler = true, classes = 2)
@Optimizer(learningRate = 2e-4)
public interface SentimentModel {}
