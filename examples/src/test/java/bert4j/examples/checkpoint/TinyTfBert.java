package bert4j.examples.checkpoint;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/** The BERT of the TensorFlow fixture bert_model.ckpt (tools/tf-fixtures): {@link ForeignCheckpointTest}. */
@Transformer(layers = 2, hidden = 8, heads = 2, intermediate = 16, vocab = 12, maxPosition = 16,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(pooler = true, mlm = true)
public interface TinyTfBert {}
