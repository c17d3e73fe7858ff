package bert4j.examples.family;

import bert4j.dsl.Activation;
import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/** The GPT-2 of the fixture {@code gpt2_tiny.safetensors} (see make_gpt2_fixture.py). */
@Transformer(architecture = Architecture.GPT2, layers = 2, hidden = 32, heads = 4, intermediate = 64,
    vocab = 60, maxPosition = 16, activation = Activation.GELU_TANH, hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(mlm = true)
public interface TinyGpt2 {}
