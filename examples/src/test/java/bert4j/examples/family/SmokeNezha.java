package bert4j.examples.family;

import bert4j.dsl.Architecture;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Optimizer;
import bert4j.dsl.Transformer;

/** NEZHA at smoke-test size, on the real vocabulary: {@link FamilySmokeTest}. */
@Transformer(architecture = Architecture.NEZHA, layers = 2, hidden = 64, heads = 4, intermediate = 128,
    vocab = 21128, maxPosition = 64)
@Attention(dropout = 0)
@Optimizer(learningRate = 1e-3)
@Heads(mlm = true)
public interface SmokeNezha {}
