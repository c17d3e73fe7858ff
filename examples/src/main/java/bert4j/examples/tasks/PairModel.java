package bert4j.examples.tasks;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Optimizer;
import bert4j.dsl.Transformer;

/** A small BERT for sentence pairs: [CLS] a [SEP] b [SEP] → same intent or not ({@link SentencePairMatching}). */
@Transformer(layers = 2, hidden = 128, heads = 4, intermediate = 512, vocab = 21128,
    maxPosition = 96, hiddenDropout = 0.1)
@Attention(dropout = 0.1)
@Heads(pooler = true, classes = 2)
@Optimizer(learningRate = 2e-4)
public interface PairModel {}
