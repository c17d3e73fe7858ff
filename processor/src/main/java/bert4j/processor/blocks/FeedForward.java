package bert4j.processor.blocks;

import bert4j.processor.spec.ModelSpec;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/** The feed-forward block of one layer: dense → activation → dense, hidden dropout; the residual branch. */
final class FeedForward {
  private FeedForward() {}

  static Value apply(Tape tape, ModelSpec spec, LayerWeights w, Value x) {
    Value hidden = w.intermediate().apply(tape, x, spec.activation(), "intermediatePre",
        "intermediate");
    Value sum = w.output().apply(tape, hidden, "outputSum");
    return HiddenDropout.apply(tape, sum, spec.hiddenDropout());
  }
}
