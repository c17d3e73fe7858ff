package bert4j.processor.heads;

import bert4j.processor.blocks.Dense;
import bert4j.processor.tape.Value;

/**
 * Sequence classification ({@code classifier.*}) on the pooled output, or on the [CLS] state without a
 * pooler; output {@code class_logits}, loss: mean cross-entropy over the batch's labels.
 */
final class Classifier implements Head {
  @Override
  public void build(HeadContext c) {
    int classes = c.spec().classes();
    int h = c.spec().hidden();
    Dense dense = Dense.declare(c.tape(), "classifier", "classifier", classes, h);
    Value logits;
    if (c.pooled() != null) {
      c.tape().comment("classifier on the pooled output");
      logits = dense.apply(c.tape(), c.pooled(), "classLogits");
    } else {
      c.tape().comment("classifier on [CLS]");
      logits = dense.applyToCls(c.tape(), c.sequence(), null, null, "classLogits");
    }
    c.output("class_logits", "classLogits", logits);
    c.tape().comment("classification loss: mean cross-entropy over the batch");
    c.softmaxLoss(logits, classes, LossKind.SEQUENCE_LABELS, "the classification head");
  }
}
