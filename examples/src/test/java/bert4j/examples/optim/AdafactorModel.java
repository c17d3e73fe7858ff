package bert4j.examples.optim;

import bert4j.dsl.*;

/** AdaFactor with its 16×16 and 32×16 matrices factored, momentum, relative step. */
@Transformer(layers = 1, hidden = 16, heads = 2, intermediate = 32, vocab = 30, maxPosition = 8,
    hiddenDropout = 0)
@Attention(dropout = 0)
@Heads(classes = 2)
@Optimizer(value = Method.ADAFACTOR, beta1 = 0.9,
    adafactor = @Adafactor(factorMinDim = 16, relativeStep = true, excludeFromParameterScale = "bias"))
public interface AdafactorModel {}
