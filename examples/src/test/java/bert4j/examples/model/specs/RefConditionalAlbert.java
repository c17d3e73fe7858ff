package bert4j.examples.model.specs;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/**
 * Reference test spec: ALBERT with conditional layer norms (the shared layer's two norms are
 * conditional once for both layers; the embedding and MLM norms too, at the embedding width 16),
 * UniLM mask, every head.
 */
@Transformer(architecture = Architecture.ALBERT, layers = 2, hidden = 32, heads = 4,
    intermediate = 64, vocab = 60, maxPosition = 16, embeddingSize = 16, conditionSize = 4,
    hiddenDropout = 0)
@Attention(mask = Mask.UNILM, dropout = 0)
@Heads(pooler = true, mlm = true, classes = 3)
public interface RefConditionalAlbert {}
