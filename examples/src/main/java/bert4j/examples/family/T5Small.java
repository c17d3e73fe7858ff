package bert4j.examples.family;

import bert4j.dsl.Architecture;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/**
 * t5-small's config: T5 1.0, 6 encoder and 6 decoder layers, d_model 512, 8 heads of d_kv 64, d_ff
 * 2048, a 32,128-token vocabulary, the LM head tied to the shared embedding.
 */
@Transformer(architecture = Architecture.T5, layers = 6, hidden = 512, heads = 8,
    intermediate = 2048, vocab = 32128)
@Heads(mlm = true)
public interface T5Small {}
