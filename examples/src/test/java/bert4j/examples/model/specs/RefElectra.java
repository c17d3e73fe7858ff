package bert4j.examples.model.specs;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/**
 * Reference test spec: ELECTRA, factorized embedding 16 → 32 ({@code embeddings_project}), its
 * only mask (NONE), the replaced-token discriminator and a classifier on [CLS].
 */
@Transformer(architecture = Architecture.ELECTRA, layers = 2, hidden = 32, heads = 4,
    intermediate = 64, vocab = 60, maxPosition = 16, embeddingSize = 16, hiddenDropout = 0)
@Attention(mask = Mask.NONE, dropout = 0)
@Heads(classes = 3, discriminator = true)
public interface RefElectra {}
