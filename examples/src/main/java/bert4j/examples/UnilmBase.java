package bert4j.examples;

import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/**
 * BERT-base with a Chinese vocabulary under the UniLM mask with its LM head: bert4keras's seq2seq
 * model, the one {@link DecodeBenchmark} decodes.
 */
@Transformer(layers = 12, hidden = 768, heads = 12, intermediate = 3072, vocab = 21128,
    maxPosition = 512)
@Attention(mask = Mask.UNILM)
@Heads(mlm = true)
public interface UnilmBase {}
