package bert4j.examples.family;

import bert4j.dsl.Architecture;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/**
 * The ELECTRA-base discriminator (google/electra-base-discriminator's config: 12 layers, 768 hidden,
 * 30522 tokens) with its replaced-token head; Hugging Face {@code ElectraForPreTraining} names.
 */
@Transformer(architecture = Architecture.ELECTRA, layers = 12, hidden = 768, heads = 12,
    intermediate = 3072, vocab = 30522)
@Heads(discriminator = true)
public interface ElectraBase {}
