package bert4j.processor.blocks;

import bert4j.dsl.Architecture;
import bert4j.processor.plan.Parameter;
import bert4j.processor.spec.ModelSpec;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/**
 * The parameters of one encoder layer: the attention's q, k, v projections (stacked in the parameter
 * buffer, so one product computes all three: {@link DenseStack}) and its output projection, the
 * feed-forward block's two dense layers, the two norms, and the talking-heads matrices where the
 * spec has them (null otherwise). Declared in a layer's scope (each layer
 * its own) or once outside the layers (ALBERT: one set that every layer uses).
 */
record LayerWeights(DenseStack qkv, Dense attentionOutput, Norm attentionNorm,
    Dense intermediate, Dense output, Norm outputNorm, Parameter talkingPre,
    Parameter talkingPost) {

  /** Declares the weights under the tape's current prefix, plus {@code namePrefix}. */
  static LayerWeights declare(Tape tape, ModelSpec spec, LayerNames names, String namePrefix,
      Value condition) {
    int h = spec.hidden();
    int qk = spec.heads() * spec.keySize();
    int v = spec.heads() * spec.headSize();
    boolean bias = spec.architecture() != Architecture.ROFORMER_V2;
    boolean attentionBias = bias && spec.attentionBias();
    String[] fields = {"query", "key", "value"};
    int[] outs = {qk, qk, v};
    DenseStack qkv = names.fusedQkv() != null
        ? Dense.declareFused(tape, namePrefix + names.fusedQkv(), "qkv", fields, outs, h,
            attentionBias)
        : Dense.declareStacked(tape, new String[] {namePrefix + names.query(),
            namePrefix + names.key(), namePrefix + names.value()}, "qkv", fields, outs, h,
            attentionBias);
    Dense attentionOutput = Dense.declare(tape, namePrefix + names.attentionOutput(),
        "attentionOutput", h, v, attentionBias);
    Parameter talkingPre = spec.talkingHeads() ? tape.parameter(namePrefix
        + names.talkingHeads("pre"), "talkingHeadsPre", spec.heads(), spec.heads()) : null;
    Parameter talkingPost = spec.talkingHeads() ? tape.parameter(namePrefix
        + names.talkingHeads("post"), "talkingHeadsPost", spec.heads(), spec.heads()) : null;
    Norm attentionNorm = norm(tape, spec, namePrefix + names.attentionNorm(), "attentionNorm",
        condition);
    Dense intermediate = Dense.declare(tape, namePrefix + names.intermediate(), "intermediate",
        spec.intermediate(), h, bias);
    Dense output = Dense.declare(tape, namePrefix + names.output(), "output", h,
        spec.intermediate(), bias);
    Norm outputNorm = norm(tape, spec, namePrefix + names.outputNorm(), "outputNorm", condition);
    return new LayerWeights(qkv, attentionOutput, attentionNorm, intermediate, output, outputNorm,
        talkingPre, talkingPost);
  }

  /**
   * The architecture's norm: RoFormer-V2's parameter-free RMS norm, a layer norm (conditional on
   * {@code condition} unless it is null) otherwise.
   */
  static Norm norm(Tape tape, ModelSpec spec, String name, String field, Value condition) {
    return spec.architecture() == Architecture.ROFORMER_V2
        ? Norm.parameterFree(spec.hidden(), spec.layerNormEps())
        : Norm.declare(tape, name, field, spec.hidden(), spec.layerNormEps(), condition);
  }
}
