package bert4j.examples.model.specs;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/** Reference test spec: BERT with talking-heads attention, causal (LM) mask, every head. */
@Transformer(layers = 2, hidden = 32, heads = 4, intermediate = 64, vocab = 60, maxPosition = 16,
    hiddenDropout = 0)
@Attention(mask = Mask.LM, dropout = 0, talkingHeads = true)
@Heads(pooler = true, mlm = true, classes = 3)
public interface RefTalkingHeadsLm {}
