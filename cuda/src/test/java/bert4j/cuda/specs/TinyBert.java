package bert4j.cuda.specs;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Optimizer;
import bert4j.dsl.Transformer;

/**
 * A tiny BERT with every kernel in use: UniLM mask, dropout, pooler, MLM and classifier heads,
 * Adam. Compared between the CPU and the CUDA backend (TinyBertScenarios).
 */
@Transformer(layers = 2, hidden = 64, heads = 4, intermediate = 128, vocab = 97, maxPosition = 40,
    hiddenDropout = 0.1)
@Attention(mask = Mask.UNILM, dropout = 0.1)
@Heads(pooler = true, mlm = true, classes = 3)
@Optimizer(learningRate = 1e-3)
public interface TinyBert {}
