package bert4j.processor.heads;

import bert4j.processor.blocks.Dense;
import bert4j.processor.tape.Value;

/**
 * Token classification ({@code token_classifier.*}): a dense layer on every position of the sequence
 * output, output {@code token_class_logits}; loss: mean cross-entropy over the labelled positions of
 * {@code Batch.tokenLabels} (−1 = not counted).
 */
final class TokenClassifier implements Head {
  @Override
  public void build(HeadContext c) {
    int classes = c.spec().tokenClasses();
    Dense dense = Dense.declare(c.tape(), "token_classifier", "tokenClassifier", classes,
        c.spec().hidden());
    c.tape().comment("token classifier on every position");
    Value logits = dense.apply(c.tape(), c.sequence(), "tokenClassLogits");
    c.output("token_class_logits", "tokenClassLogits", logits);
    c.tape().comment("token classification loss: mean cross-entropy over the labelled positions");
    c.softmaxLoss(logits, classes, LossKind.TOKEN_LABELS, "the token-classification head");
  }
}
