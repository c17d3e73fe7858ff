package bert4j.examples.checkpoint;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/** The ALBERT of the TensorFlow fixture albert/model.ckpt (tools/tf-fixtures): {@link ForeignCheckpointTest}. */
@Transformer(architecture = Architecture.ALBERT, layers = 2, hidden = 8, heads = 2,
    intermediate = 16, vocab = 12, maxPosition = 16, embeddingSize = 4, hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(pooler = true, mlm = true)
public interface TinyTfAlbert {}
