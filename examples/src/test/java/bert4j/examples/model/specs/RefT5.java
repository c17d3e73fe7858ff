package bert4j.examples.model.specs;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/**
 * Reference test spec: T5 1.0 (ReLU feed-forward, the LM head the tied embedding after scaling by hidden^−0.5); two encoder and two decoder layers, a head width (keySize 6) apart
 * from hidden/heads as T5's d_kv may be.
 */
@Transformer(architecture = Architecture.T5, layers = 2, hidden = 16, heads = 2,
    intermediate = 24, vocab = 40, maxPosition = 16, hiddenDropout = 0)
@Attention(keySize = 6, dropout = 0)
@Heads(mlm = true)
public interface RefT5 {}
