package bert4j.examples.checkpoint;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/** The BERT of the PyTorch fixture bert.bin (make_fixtures.py): {@link ForeignCheckpointTest}. */
@Transformer(layers = 1, hidden = 4, heads = 2, intermediate = 8, vocab = 10, maxPosition = 6,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(pooler = true, mlm = true)
public interface TinyTorchBert {}
