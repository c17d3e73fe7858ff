package bert4j.examples.model;

import bert4j.dsl.Activation;
import bert4j.dsl.Architecture;
import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.dsl.Position;
import bert4j.examples.model.ReferenceBert.Config;
import bert4j.examples.model.ReferenceBert.Options;
import bert4j.examples.model.specs.RefAlbertLmImpl;
import bert4j.examples.model.specs.RefAlbertNoneImpl;
import bert4j.examples.model.specs.RefAlbertUnilmImpl;
import bert4j.examples.model.specs.RefAlbertUnsharedLmImpl;
import bert4j.examples.model.specs.RefAlbertUnsharedNoneImpl;
import bert4j.examples.model.specs.RefAlbertUnsharedUnilmImpl;
import bert4j.examples.model.specs.RefClassifierOnClsImpl;
import bert4j.examples.model.specs.RefConditionalAlbertImpl;
import bert4j.examples.model.specs.RefConditionalGpt2Impl;
import bert4j.examples.model.specs.RefConditionalNoneImpl;
import bert4j.examples.model.specs.RefElectraImpl;
import bert4j.examples.model.specs.RefGeluTanhImpl;
import bert4j.examples.model.specs.RefGpt2Impl;
import bert4j.examples.model.specs.RefGpt2TalkingHeadsImpl;
import bert4j.examples.model.specs.RefGptImpl;
import bert4j.examples.model.specs.RefHierarchicalUnilmImpl;
import bert4j.examples.model.specs.RefKeySizeImpl;
import bert4j.examples.model.specs.RefLmImpl;
import bert4j.examples.model.specs.RefMlmAndClsImpl;
import bert4j.examples.model.specs.RefNezhaLmImpl;
import bert4j.examples.model.specs.RefNezhaNoneImpl;
import bert4j.examples.model.specs.RefNezhaUnilmImpl;
import bert4j.examples.model.specs.RefNoAttentionBiasImpl;
import bert4j.examples.model.specs.RefNoneImpl;
import bert4j.examples.model.specs.RefPositionNoneImpl;
import bert4j.examples.model.specs.RefRelativeTalkingSquaredImpl;
import bert4j.examples.model.specs.RefRoformerLmImpl;
import bert4j.examples.model.specs.RefRoformerNoneImpl;
import bert4j.examples.model.specs.RefRoformerUnilmImpl;
import bert4j.examples.model.specs.RefRoformerV2LmImpl;
import bert4j.examples.model.specs.RefRoformerV2NoneImpl;
import bert4j.examples.model.specs.RefRoformerV2UnilmImpl;
import bert4j.examples.model.specs.RefSoftmaxPlusUnilmImpl;
import bert4j.examples.model.specs.RefSquaredReluImpl;
import bert4j.examples.model.specs.RefTalkingHeadsLmImpl;
import bert4j.examples.model.specs.RefTokenClassesImpl;
import bert4j.examples.model.specs.RefUnilmImpl;
import bert4j.runtime.Backend;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.model.GeneratedTransformer;
import bert4j.runtime.model.ModelLayout;

/**
 * The specs under reference test, each with its generated factory and its {@link Config} written by
 * hand from the spec's annotations (not read from the generated code, so a processor that misreads an
 * annotation shows up as a mismatch).
 */
enum TestModels {
  /** {@link bert4j.examples.model.specs.RefNone}. */
  NONE(RefNoneImpl::create, RefNoneImpl.LAYOUT,
      config(8, Activation.GELU, 1e-12, Mask.NONE, true, true, 3, true)),
  /** {@link bert4j.examples.model.specs.RefLm}. */
  LM(RefLmImpl::create, RefLmImpl.LAYOUT,
      config(8, Activation.GELU, 1e-12, Mask.LM, true, true, 3, true)),
  /** {@link bert4j.examples.model.specs.RefUnilm}. */
  UNILM(RefUnilmImpl::create, RefUnilmImpl.LAYOUT,
      config(8, Activation.GELU, 1e-12, Mask.UNILM, true, true, 3, true)),
  /** {@link bert4j.examples.model.specs.RefKeySize}. */
  KEY_SIZE_4(RefKeySizeImpl::create, RefKeySizeImpl.LAYOUT,
      config(4, Activation.GELU, 1e-12, Mask.LM, true, true, 0, true)),
  /** {@link bert4j.examples.model.specs.RefClassifierOnCls}. */
  CLASSIFIER_ON_CLS_RELU(RefClassifierOnClsImpl::create, RefClassifierOnClsImpl.LAYOUT,
      config(8, Activation.RELU, 1e-12, Mask.NONE, false, false, 3, true)),
  /** {@link bert4j.examples.model.specs.RefMlmAndCls}. */
  MLM_AND_CLS_SWISH(RefMlmAndClsImpl::create, RefMlmAndClsImpl.LAYOUT,
      config(8, Activation.SWISH, 1e-12, Mask.UNILM, false, true, 2, true)),
  /** {@link bert4j.examples.model.specs.RefGeluTanh}. */
  GELU_TANH_EPS_NOSCALE(RefGeluTanhImpl::create, RefGeluTanhImpl.LAYOUT,
      config(8, Activation.GELU_TANH, 1e-3, Mask.NONE, true, true, 3, false)),
  /** {@link bert4j.examples.model.specs.RefTokenClasses}. */
  TOKEN_CLASSES(RefTokenClassesImpl::create, RefTokenClassesImpl.LAYOUT,
      config(8, Activation.GELU, 1e-12, Mask.NONE, true, false, 3, true, 5)),
  /** {@link bert4j.examples.model.specs.RefAlbertNone}. */
  ALBERT_NONE(RefAlbertNoneImpl::create, RefAlbertNoneImpl.LAYOUT,
      family(Architecture.ALBERT, 16, Mask.NONE, true, true, 3, 0, false)),
  /** {@link bert4j.examples.model.specs.RefAlbertLm}. */
  ALBERT_LM(RefAlbertLmImpl::create, RefAlbertLmImpl.LAYOUT,
      family(Architecture.ALBERT, 16, Mask.LM, true, true, 3, 0, false)),
  /** {@link bert4j.examples.model.specs.RefAlbertUnilm}. */
  ALBERT_UNILM(RefAlbertUnilmImpl::create, RefAlbertUnilmImpl.LAYOUT,
      family(Architecture.ALBERT, 16, Mask.UNILM, true, true, 3, 0, false)),
  /** {@link bert4j.examples.model.specs.RefAlbertUnsharedNone}. */
  ALBERT_UNSHARED_NONE(RefAlbertUnsharedNoneImpl::create, RefAlbertUnsharedNoneImpl.LAYOUT,
      family(Architecture.ALBERT_UNSHARED, 16, Mask.NONE, true, true, 3, 0, false)),
  /** {@link bert4j.examples.model.specs.RefAlbertUnsharedLm}. */
  ALBERT_UNSHARED_LM(RefAlbertUnsharedLmImpl::create, RefAlbertUnsharedLmImpl.LAYOUT,
      family(Architecture.ALBERT_UNSHARED, 16, Mask.LM, true, true, 3, 0, false)),
  /** {@link bert4j.examples.model.specs.RefAlbertUnsharedUnilm}. */
  ALBERT_UNSHARED_UNILM(RefAlbertUnsharedUnilmImpl::create, RefAlbertUnsharedUnilmImpl.LAYOUT,
      family(Architecture.ALBERT_UNSHARED, 16, Mask.UNILM, true, true, 3, 0, false)),
  /** {@link bert4j.examples.model.specs.RefRoformerNone}. */
  ROFORMER_NONE(RefRoformerNoneImpl::create, RefRoformerNoneImpl.LAYOUT,
      family(Architecture.ROFORMER, 32, Mask.NONE, true, true, 3, 0, false)),
  /** {@link bert4j.examples.model.specs.RefRoformerLm}. */
  ROFORMER_LM(RefRoformerLmImpl::create, RefRoformerLmImpl.LAYOUT,
      family(Architecture.ROFORMER, 32, Mask.LM, true, true, 3, 0, false)),
  /** {@link bert4j.examples.model.specs.RefRoformerUnilm}. */
  ROFORMER_UNILM(RefRoformerUnilmImpl::create, RefRoformerUnilmImpl.LAYOUT,
      family(Architecture.ROFORMER, 16, Mask.UNILM, true, true, 3, 0, false)),
  /** {@link bert4j.examples.model.specs.RefRoformerV2None}. */
  ROFORMER_V2_NONE(RefRoformerV2NoneImpl::create, RefRoformerV2NoneImpl.LAYOUT,
      family(Architecture.ROFORMER_V2, 32, Mask.NONE, true, true, 3, 0, false)),
  /** {@link bert4j.examples.model.specs.RefRoformerV2Lm}. */
  ROFORMER_V2_LM(RefRoformerV2LmImpl::create, RefRoformerV2LmImpl.LAYOUT,
      family(Architecture.ROFORMER_V2, 32, Mask.LM, true, true, 3, 0, false)),
  /** {@link bert4j.examples.model.specs.RefRoformerV2Unilm}. */
  ROFORMER_V2_UNILM(RefRoformerV2UnilmImpl::create, RefRoformerV2UnilmImpl.LAYOUT,
      family(Architecture.ROFORMER_V2, 32, Mask.UNILM, true, true, 3, 0, false)),
  /** {@link bert4j.examples.model.specs.RefElectra}. */
  ELECTRA(RefElectraImpl::create, RefElectraImpl.LAYOUT,
      family(Architecture.ELECTRA, 16, Mask.NONE, false, false, 3, 0, true)),
  /** {@link bert4j.examples.model.specs.RefGpt}. */
  GPT(RefGptImpl::create, RefGptImpl.LAYOUT,
      family(Architecture.GPT, 32, Mask.LM, false, true, 3, 0, false)),
  /** {@link bert4j.examples.model.specs.RefGpt2}. */
  GPT2(RefGpt2Impl::create, RefGpt2Impl.LAYOUT,
      family(Architecture.GPT2, 32, Mask.LM, false, true, 3, 5, false)),
  /** {@link bert4j.examples.model.specs.RefNezhaNone}. */
  NEZHA_NONE(RefNezhaNoneImpl::create, RefNezhaNoneImpl.LAYOUT, nezha(Mask.NONE)),
  /** {@link bert4j.examples.model.specs.RefNezhaLm}. */
  NEZHA_LM(RefNezhaLmImpl::create, RefNezhaLmImpl.LAYOUT, nezha(Mask.LM)),
  /** {@link bert4j.examples.model.specs.RefNezhaUnilm}. */
  NEZHA_UNILM(RefNezhaUnilmImpl::create, RefNezhaUnilmImpl.LAYOUT, nezha(Mask.UNILM)),
  /** {@link bert4j.examples.model.specs.RefSquaredRelu}. */
  SQUARED_RELU(RefSquaredReluImpl::create, RefSquaredReluImpl.LAYOUT,
      options(Mask.NONE, Position.LEARNED, 8, 16,
          new Options(Normalization.SQUARED_RELU, true, false, 64))),
  /** {@link bert4j.examples.model.specs.RefSoftmaxPlusUnilm}. */
  SOFTMAX_PLUS_UNILM(RefSoftmaxPlusUnilmImpl::create, RefSoftmaxPlusUnilmImpl.LAYOUT,
      options(Mask.UNILM, Position.LEARNED, 8, 32,
          new Options(Normalization.SOFTMAX_PLUS, true, false, 64))),
  /** {@link bert4j.examples.model.specs.RefTalkingHeadsLm}. */
  TALKING_HEADS_LM(RefTalkingHeadsLmImpl::create, RefTalkingHeadsLmImpl.LAYOUT,
      options(Mask.LM, Position.LEARNED, 8, 16,
          new Options(Normalization.SOFTMAX, true, true, 64))),
  /** {@link bert4j.examples.model.specs.RefGpt2TalkingHeads}. */
  GPT2_TALKING_HEADS(RefGpt2TalkingHeadsImpl::create, RefGpt2TalkingHeadsImpl.LAYOUT,
      family(Architecture.GPT2, 32, Mask.LM, false, true, 3, 0, false)
          .with(new Options(Normalization.SOFTMAX, true, true, 64))),
  /** {@link bert4j.examples.model.specs.RefNoAttentionBias}. */
  NO_ATTENTION_BIAS(RefNoAttentionBiasImpl::create, RefNoAttentionBiasImpl.LAYOUT,
      options(Mask.NONE, Position.LEARNED, 8, 16,
          new Options(Normalization.SOFTMAX, false, false, 64))),
  /** {@link bert4j.examples.model.specs.RefRelativeTalkingSquared}. */
  RELATIVE_TALKING_SQUARED(RefRelativeTalkingSquaredImpl::create,
      RefRelativeTalkingSquaredImpl.LAYOUT, options(Mask.LM, Position.TYPICAL_RELATIVE, 4, 16,
          new Options(Normalization.SQUARED_RELU, true, true, 3))),
  /** {@link bert4j.examples.model.specs.RefPositionNone}. */
  POSITION_NONE(RefPositionNoneImpl::create, RefPositionNoneImpl.LAYOUT,
      options(Mask.NONE, Position.NONE, 8, 16, Options.DEFAULT)),
  /** {@link bert4j.examples.model.specs.RefConditionalNone}. */
  CONDITIONAL_NONE(RefConditionalNoneImpl::create, RefConditionalNoneImpl.LAYOUT,
      options(Mask.NONE, Position.LEARNED, 8, 16, Options.DEFAULT).conditional(5)),
  /** {@link bert4j.examples.model.specs.RefConditionalGpt2}. */
  CONDITIONAL_GPT2(RefConditionalGpt2Impl::create, RefConditionalGpt2Impl.LAYOUT,
      family(Architecture.GPT2, 32, Mask.LM, false, true, 0, 0, false).conditional(3)),
  /** {@link bert4j.examples.model.specs.RefConditionalAlbert}. */
  CONDITIONAL_ALBERT(RefConditionalAlbertImpl::create, RefConditionalAlbertImpl.LAYOUT,
      family(Architecture.ALBERT, 16, Mask.UNILM, true, true, 3, 0, false).conditional(4)),
  /** {@link bert4j.examples.model.specs.RefHierarchicalUnilm}. */
  HIERARCHICAL_UNILM(RefHierarchicalUnilmImpl::create, RefHierarchicalUnilmImpl.LAYOUT,
      options(Mask.UNILM, Position.HIERARCHICAL, 8, 4, Options.DEFAULT));

  /** The generated {@code create(Kernels, maxBatch, maxLength)}. */
  interface Factory {
    GeneratedTransformer create(Kernels kernels, int maxBatch, int maxLength);
  }

  final Factory factory;
  final ModelLayout layout;
  final Config config;

  TestModels(Factory factory, ModelLayout layout, Config config) {
    this.factory = factory;
    this.layout = layout;
    this.config = config;
  }

  /** A model on the CPU backend. */
  GeneratedTransformer create(int maxBatch, int maxLength) {
    return factory.create(Backend.cpu(), maxBatch, maxLength);
  }

  /**
   * A BERT, as every spec here: layers 2, hidden 32, heads 4, intermediate 64, vocab 60,
   * maxPosition 16, segments 2.
   */
  private static Config config(int keySize, Activation activation, double eps, Mask mask,
      boolean pooler, boolean mlm, int classes, boolean scale) {
    return config(keySize, activation, eps, mask, pooler, mlm, classes, scale, 0);
  }

  private static Config config(int keySize, Activation activation, double eps, Mask mask,
      boolean pooler, boolean mlm, int classes, boolean scale, int tokenClasses) {
    return new Config(2, 32, 4, keySize, 64, 60, 16, 2, activation, eps, mask, pooler, mlm, classes,
        scale, tokenClasses);
  }

  /**
   * A NEZHA of the family's size with every head (pooler, MLM, 3 classes), its relative positions
   * clipped at ±3 so that the clip shows at the tests' lengths.
   */
  private static Config nezha(Mask mask) {
    return family(Architecture.NEZHA, 32, mask, true, true, 3, 0, false)
        .with(new Options(Normalization.SOFTMAX, true, false, 3));
  }

  /**
   * A BERT of the same size with every head (pooler, MLM, 3 classes), GELU, scaled logits, and the
   * given mask, positions, key size, position rows and attention options.
   */
  private static Config options(Mask mask, Position position, int keySize, int maxPosition,
      Options options) {
    return new Config(Architecture.BERT, 2, 32, 32, 4, keySize, 64, 60, maxPosition, 2, position,
        Activation.GELU, 1e-12, mask, true, true, 3, true, 0, false, options, 0);
  }

  /**
   * A spec of the family at the same size (keySize 8, GELU, scaled logits), with each architecture's
   * defaults as its documentation states them: no segments for GPT and GPT-2, rotary positions for
   * RoFormer v1 and v2, typical relative ones for NEZHA, layer-norm epsilon 1e-5 for GPT and GPT-2 and
   * 1e-12 otherwise; the default attention options.
   */
  private static Config family(Architecture architecture, int embeddingSize, Mask mask,
      boolean pooler, boolean mlm, int classes, int tokenClasses, boolean discriminator) {
    boolean causal = architecture == Architecture.GPT || architecture == Architecture.GPT2;
    Position position = switch (architecture) {
      case ROFORMER, ROFORMER_V2 -> Position.ROTARY;
      case NEZHA -> Position.TYPICAL_RELATIVE;
      default -> Position.LEARNED;
    };
    return new Config(architecture, 2, 32, embeddingSize, 4, 8, 64, 60, 16, causal ? 0 : 2,
        position, Activation.GELU, causal ? 1e-5 : 1e-12, mask, pooler, mlm, classes, true,
        tokenClasses, discriminator, Options.DEFAULT, 0);
  }
}
