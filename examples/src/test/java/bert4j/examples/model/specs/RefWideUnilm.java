package bert4j.examples.model.specs;

import bert4j.dsl.Activation;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/**
 * Test spec wide enough for oneDNN's packed float32 weights to take exactly their own bytes on two
 * threads (column blocks of 64 or more): UniLM, every head, the MLM decoder tied to the embeddings.
 */
@Transformer(layers = 2, hidden = 128, heads = 2, intermediate = 512, vocab = 60, maxPosition = 16,
    activation = Activation.GELU, hiddenDropout = 0)
@Attention(mask = Mask.UNILM, dropout = 0)
@Heads(pooler = true, mlm = true, classes = 3)
public interface RefWideUnilm {}
