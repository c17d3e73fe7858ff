package bert4j.examples.model.specs;

import bert4j.dsl.Activation;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/** Reference test spec: a key size (4) other than hidden / heads (8), the low-rank bottleneck;
 * the MLM head alone trains (the pooler is computed but reaches no loss). */
@Transformer(layers = 2, hidden = 32, heads = 4, intermediate = 64, vocab = 60, maxPosition = 16,
    activation = Activation.GELU, hiddenDropout = 0)
@Attention(mask = Mask.LM, dropout = 0, keySize = 4)
@Heads(pooler = true, mlm = true)
public interface RefKeySize {}
