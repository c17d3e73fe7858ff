package bert4j.processor.heads;

import bert4j.dsl.Architecture;

import bert4j.dsl.Activation;
import bert4j.processor.blocks.Dense;
import bert4j.processor.tape.Value;

/**
 * BERT's pooler: [CLS] → dense → tanh ({@code pooler.dense.*}, ALBERT's {@code pooler.*}), output
 * {@code pooled_output}.
 */
final class Pooler implements Head {
  @Override
  public void build(HeadContext c) {
    int h = c.spec().hidden();
    Architecture a = c.spec().architecture();
    boolean albert = a == Architecture.ALBERT || a == Architecture.ALBERT_UNSHARED;
    Dense dense = Dense.declare(c.tape(), albert ? "pooler" : "pooler.dense", "pooler", h, h);
    c.tape().comment("pooler: [CLS] → dense → tanh");
    Value pooled = dense.applyToCls(c.tape(), c.sequence(), Activation.TANH, "poolerPre",
        "pooledOutput");
    c.pooled(pooled);
    c.output("pooled_output", "pooledOutput", pooled);
  }
}
