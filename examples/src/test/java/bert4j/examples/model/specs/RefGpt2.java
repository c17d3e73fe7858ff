package bert4j.examples.model.specs;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/**
 * Reference test spec: GPT-2 (pre-LN, final {@code ln_f}, fused {@code c_attn}, tied LM head), its
 * only mask (LM, set), a classifier on the first token and token classification.
 */
@Transformer(architecture = Architecture.GPT2, layers = 2, hidden = 32, heads = 4,
    intermediate = 64, vocab = 60, maxPosition = 16, hiddenDropout = 0)
@Attention(mask = Mask.LM, dropout = 0)
@Heads(mlm = true, classes = 3, tokenClasses = 5)
public interface RefGpt2 {}
