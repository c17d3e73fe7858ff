package bert4j.examples.model.specs;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/**
 * Reference test spec: GPT (post-LN, fused {@code c_attn}, no embedding norm, tied LM head), its
 * only mask (LM, the default), a classifier on the first token.
 */
@Transformer(architecture = Architecture.GPT, layers = 2, hidden = 32, heads = 4,
    intermediate = 64, vocab = 60, maxPosition = 16, hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(mlm = true, classes = 3)
public interface RefGpt {}
