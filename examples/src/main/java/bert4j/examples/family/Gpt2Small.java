package bert4j.examples.family;

import bert4j.dsl.Activation;
import bert4j.dsl.Architecture;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/**
 * GPT-2 small (openai-community/gpt2's config: 12 layers, 768 hidden, 50257 tokens, 1024 positions,
 * the tanh GELU) with its tied LM head; Hugging Face {@code GPT2LMHeadModel} names and layout.
 */
@Transformer(architecture = Architecture.GPT2, layers = 12, hidden = 768, heads = 12,
    intermediate = 3072, vocab = 50257, maxPosition = 1024, activation = Activation.GELU_TANH)
@Heads(mlm = true)
public interface Gpt2Small {}
