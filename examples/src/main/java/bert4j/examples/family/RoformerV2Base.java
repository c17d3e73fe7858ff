package bert4j.examples.family;

import bert4j.dsl.Architecture;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/**
 * RoFormer-V2-base (bert4keras's chinese_roformer-v2-char_L-12_H-768_A-12: 12 layers, 768 hidden,
 * 12000 tokens) with its tied-embedding MLM head.
 */
@Transformer(architecture = Architecture.ROFORMER_V2, layers = 12, hidden = 768, heads = 12,
    intermediate = 3072, vocab = 12000)
@Heads(mlm = true)
public interface RoformerV2Base {}
