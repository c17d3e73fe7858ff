package bert4j.examples.model.specs;

import bert4j.dsl.Activation;
import bert4j.dsl.Attention;
import bert4j.dsl.Heads;
import bert4j.dsl.Mask;
import bert4j.dsl.Transformer;

/** Reference test spec: tanh-approximate GELU, a large layer-norm epsilon (1e-3) and unscaled attention logits. */
@Transformer(layers = 2, hidden = 32, heads = 4, intermediate = 64, vocab = 60, maxPosition = 16,
    activation = Activation.GELU_TANH, hiddenDropout = 0,
    layerNormEps = 1e-3)
@Attention(mask = Mask.NONE, dropout = 0, scale = false)
@Heads(pooler = true, mlm = true, classes = 3)
public interface RefGeluTanh {}
