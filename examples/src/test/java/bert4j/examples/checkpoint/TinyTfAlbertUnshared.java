package bert4j.examples.checkpoint;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/**
 * The ALBERT of the TensorFlow fixture as ALBERT_UNSHARED: its one layer loads into each of the two
 * ({@link ForeignCheckpointTest}).
 */
@Transformer(architecture = Architecture.ALBERT_UNSHARED, layers = 2, hidden = 8, heads = 2,
    intermediate = 16, vocab = 12, maxPosition = 16, embeddingSize = 4, hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(pooler = true, mlm = true)
public interface TinyTfAlbertUnshared {}
