package bert4j.processor.heads;

import bert4j.processor.blocks.Dense;
import bert4j.processor.tape.Value;

/**
 * ELECTRA's replaced-token discriminator ({@code discriminator_predictions.*}): dense → activation →
 * dense to one logit per token, output {@code discriminator_logits}; loss: mean sigmoid cross-entropy
 * over the positions of {@code Batch.tokenLabels} that are 0 (original) or 1 (replaced).
 */
final class Discriminator implements Head {
  @Override
  public void build(HeadContext c) {
    int h = c.spec().hidden();
    Dense dense = Dense.declare(c.tape(), "discriminator_predictions.dense", "discriminator", h, h);
    Dense prediction = Dense.declare(c.tape(), "discriminator_predictions.dense_prediction",
        "discriminatorPrediction", 1, h);
    c.tape().comment("discriminator: dense → activation → one logit per token");
    Value hidden = dense.apply(c.tape(), c.sequence(), c.spec().activation(), "discriminatorPre",
        "discriminatorHidden");
    Value logits = prediction.apply(c.tape(), hidden, "discriminatorLogits");
    c.output("discriminator_logits", "discriminatorLogits", logits);
    c.tape().comment("replaced-token loss: mean sigmoid cross-entropy over the labelled positions");
    c.sigmoidLoss(logits, LossKind.TOKEN_LABELS, "the discriminator");
  }
}
