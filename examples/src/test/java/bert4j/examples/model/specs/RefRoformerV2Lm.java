package bert4j.examples.model.specs;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/**
 * Reference test spec: RoFormer-V2 (rotary positions, no biases in the encoder, RMS norms without
 * parameters, the tied embedding as MLM head), causal (LM) mask, every head.
 */
@Transformer(architecture = Architecture.ROFORMER_V2, layers = 2, hidden = 32, heads = 4,
    intermediate = 64, vocab = 60, maxPosition = 16, hiddenDropout = 0)
@Attention(mask = Mask.LM, dropout = 0)
@Heads(pooler = true, mlm = true, classes = 3)
public interface RefRoformerV2Lm {}
