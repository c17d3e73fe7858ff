package bert4j.examples.family;

import bert4j.dsl.Architecture;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/**
 * OpenAI GPT (openai-gpt's config: 12 layers, 768 hidden, 40478 tokens, 512 positions) with its tied
 * LM head; Hugging Face {@code OpenAIGPTLMHeadModel} names.
 */
@Transformer(architecture = Architecture.GPT, layers = 12, hidden = 768, heads = 12,
    intermediate = 3072, vocab = 40478)
@Heads(mlm = true)
public interface GptBase {}
