package bert4j.examples.specs;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/** A tiny UniLM seq2seq model with every head, for tests. */
@Transformer(layers = 2, hidden = 32, heads = 4, intermediate = 64, vocab = 60, maxPosition = 16,
    hiddenDropout = 0)
@Attention(mask = Mask.UNILM, dropout = 0)
@Heads(pooler = true, mlm = true, classes = 3)
public interface TinyUnilm {}
