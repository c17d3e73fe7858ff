package bert4j.processor.heads;

import bert4j.dsl.Architecture;
import bert4j.dsl.Convention;
import bert4j.processor.spec.ModelSpec;

import bert4j.dsl.Objective;
import bert4j.processor.blocks.Dense;
import bert4j.processor.blocks.Norm;
import bert4j.processor.ops.Linear;
import bert4j.processor.ops.Scale;
import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/**
 * The MLM (or LM) head: dense → activation → layer norm → the token embedding (tied) + bias
 * ({@code cls.predictions.*}, ALBERT's {@code predictions.*}), or for GPT, GPT-2 and RoFormer-V2 the
 * tied token embedding alone; output {@code mlm_logits}; its loss is the spec's objective.
 */
final class MlmHead implements Head {
  @Override
  public void build(HeadContext c) {
    Tape tape = c.tape();
    Value logits = logits(tape, c.spec(), c.sequence(), c.wordEmbeddings(), c.condition());
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
    c.softmaxLoss(logits, c.spec().vocab(), kind, "the MLM head (" + objective + ")");
  }

  /**
   * Declares the head's parameters and records its logits over the rows of {@code sequence} (every
   * token's, or one per sequence in a decoding pass) into a new buffer {@code mlmLogits}.
   */
  static Value logits(Tape tape, ModelSpec spec, Value sequence, Parameter wordEmbeddings,
      Value condition) {
    int h = spec.hidden();
    int e = spec.embeddingSize();
    int vocab = spec.vocab();
    Value logits = tape.buffer("mlmLogits", sequence.buffer().extent(), vocab);
    Architecture a = spec.architecture();
    if (a.encoderDecoder()) {
      return t5Logits(tape, spec, sequence, wordEmbeddings, logits);
    }
    if (a.causal() || a == Architecture.ROFORMER_V2) {
      tape.comment("LM head: the tied token embedding");
      tape.record(new Linear(sequence, false, wordEmbeddings, null, null, null, logits, h, vocab));
      return logits;
    }
    boolean albert = a == Architecture.ALBERT || a == Architecture.ALBERT_UNSHARED;
    String prefix = albert ? "predictions." : "cls.predictions.";
    Dense transform = Dense.declare(tape, prefix + (albert ? "dense" : "transform.dense"),
        "mlmTransform", e, h);
    Norm norm = Norm.declare(tape, prefix + (albert ? "LayerNorm" : "transform.LayerNorm"),
        "mlmNorm", e, spec.layerNormEps(), condition);
    Parameter bias = tape.parameter(prefix + "bias", "mlmBias", vocab);
    tape.comment("MLM head: dense → activation → layer norm → tied embedding");
    Value activated = transform.apply(tape, sequence, spec.activation(), "mlmPre", "mlmActivated");
    Value normed = norm.apply(tape, activated, null, "mlm", "mlmNormed");
    tape.record(new Linear(normed, false, wordEmbeddings, bias, null, null, logits, e, vocab));
    return logits;
  }

  /**
   * T5's LM head on the decoder output: T5 1.0's tied token embedding after scaling by
   * hidden^−0.5; T5 1.1's {@code lm_head.weight}, scaled only under bert4keras's convention.
   */
  private static Value t5Logits(Tape tape, ModelSpec spec, Value decoded, Parameter shared,
      Value logits) {
    int h = spec.hidden();
    boolean tied = spec.architecture() == Architecture.T5;
    Parameter weight = tied ? shared : tape.parameter("lm_head.weight", "lmHeadWeight",
        spec.vocab(), h);
    Value in = decoded;
    if (tied || spec.convention() == Convention.BERT4KERAS) {
      tape.comment("LM head: the decoder output scaled by hidden^-0.5");
      in = tape.buffer("decoderScaled", decoded.buffer().extent(), h);
      tape.record(new Scale(decoded, (float) (1 / Math.sqrt(h)), in, h));
    }
    tape.comment(tied ? "LM head: the tied token embedding" : "LM head: lm_head");
    tape.record(new Linear(in, false, weight, null, null, null, logits, h, spec.vocab()));
    return logits;
  }
}
