package bert4j.examples.model.specs;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/**
 * Reference test spec: GPT-2 with talking-heads attention (the matrices beside the fused
 * {@code c_attn}), LM mask, a classifier on the first token.
 */
@Transformer(architecture = Architecture.GPT2, layers = 2, hidden = 32, heads = 4,
    intermediate = 64, vocab = 60, maxPosition = 16, hiddenDropout = 0)
@Attention(mask = Mask.LM, dropout = 0, talkingHeads = true)
@Heads(mlm = true, classes = 3)
public interface RefGpt2TalkingHeads {}
