package bert4j.examples.family;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/**
 * google/mt5-small's config: T5 1.1 structure, 8 encoder and 8 decoder layers, d_model 512, 6 heads
 * of d_kv 64, d_ff 1024, a 250,112-token vocabulary, the untied LM head.
 */
@Transformer(architecture = Architecture.T5_1_1, layers = 8, hidden = 512, heads = 6,
    intermediate = 1024, vocab = 250112)
@Attention(keySize = 64)
@Heads(mlm = true)
public interface Mt5Small {}
