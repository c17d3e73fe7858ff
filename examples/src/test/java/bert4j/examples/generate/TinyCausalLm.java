package bert4j.examples.generate;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Transformer;

/** A GPT-2 of the same size as {@link TinyUnilmLm} ({@link RecomputingLmTest}). */
@Transformer(architecture = Architecture.GPT2, layers = 2, hidden = 16, heads = 2, intermediate = 32,
    vocab = 8, maxPosition = 12, hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(mlm = true)
public interface TinyCausalLm {}
