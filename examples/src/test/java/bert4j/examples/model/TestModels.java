package bert4j.examples.model;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.examples.model.ReferenceBert.Config;
import bert4j.examples.model.specs.RefClassifierOnClsImpl;
import bert4j.examples.model.specs.RefGeluTanhImpl;
import bert4j.examples.model.specs.RefKeySizeImpl;
import bert4j.examples.model.specs.RefLmImpl;
import bert4j.examples.model.specs.RefMlmAndClsImpl;
import bert4j.examples.model.specs.RefNoneImpl;
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
      config(8, Activation.GELU, 1e-12, Mask.NONE, true, false, 3, true, 5));

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

  /** Every spec here: layers 2, hidden 32, heads 4, intermediate 64, vocab 60, maxPosition 16, segments 2. */
  private static Config config(int keySize, Activation activation, double eps, Mask mask,
      boolean pooler, boolean mlm, int classes, boolean scale) {
    return config(keySize, activation, eps, mask, pooler, mlm, classes, scale, 0);
  }

  private static Config config(int keySize, Activation activation, double eps, Mask mask,
      boolean pooler, boolean mlm, int classes, boolean scale, int tokenClasses) {
    return new Config(2, 32, 4, keySize, 64, 60, 16, 2, activation, eps, mask, pooler, mlm, classes,
        scale, tokenClasses);
  }
}
