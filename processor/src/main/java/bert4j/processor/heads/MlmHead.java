package bert4j.processor.heads;

import bert4j.dsl.Objective;
import bert4j.processor.blocks.Dense;
import bert4j.processor.blocks.Norm;
import bert4j.processor.ops.Linear;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/**
 * The MLM head: dense → activation → layer norm → the token embedding (tied) + bias
 * ({@code cls.predictions.*}), output {@code mlm_logits}; its loss is the spec's objective.
 */
final class MlmHead implements Head {
  @Override
  public void build(HeadContext c) {
    Tape tape = c.tape();
    int h = c.spec().hidden();
    int vocab = c.spec().vocab();
    Dense transform = Dense.declare(tape, "cls.predictions.transform.dense", "mlmTransform", h, h);
    Norm norm = Norm.declare(tape, "cls.predictions.transform.LayerNorm", "mlmNorm", h,
        c.spec().layerNormEps());
    Parameter bias = tape.parameter("cls.predictions.bias", "mlmBias", vocab);

    tape.comment("MLM head: dense → activation → layer norm → tied embedding");
    Value activated = transform.apply(tape, c.sequence(), c.spec().activation(), "mlmPre",
        "mlmActivated");
    Value normed = norm.apply(tape, activated, null, "mlm", "mlmNormed");
    Value logits = tape.buffer("mlmLogits", Extent.TOKENS, vocab);
    tape.record(new Linear(normed, false, c.wordEmbeddings(), bias, null, null, logits, h, vocab));
    c.output("mlm_logits", "mlmLogits", logits);

    Objective objective = c.spec().objective();
    tape.comment("MLM loss (" + switch (objective) {
      case MASKED_LM -> "masked LM";
      case NEXT_TOKEN -> "next token";
      case NEXT_TARGET_TOKEN -> "next target token";
      case BY_MASK -> throw new IllegalStateException("the spec reader resolves BY_MASK");
    } + "): mean cross-entropy over the target positions");
    LossKind kind = switch (objective) {
      case MASKED_LM -> LossKind.TOKEN_LABELS;
      case NEXT_TOKEN -> LossKind.NEXT_TOKEN;
      case NEXT_TARGET_TOKEN -> LossKind.NEXT_TARGET_TOKEN;
      case BY_MASK -> throw new IllegalStateException("the spec reader resolves BY_MASK");
    };
    c.softmaxLoss(logits, vocab, kind, "the MLM head (" + objective + ")");
  }
}
