package bert4j.processor.blocks;

import bert4j.processor.spec.ModelSpec;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/** The feed-forward block of one layer: dense → activation → dense, hidden dropout; the residual branch. */
public final class FeedForward {
  private FeedForward() {}

  public static Value build(Tape tape, ModelSpec spec, Value x) {
    Dense intermediate = Dense.declare(tape, "intermediate.dense", "intermediate",
        spec.intermediate(), spec.hidden());
    Dense output = Dense.declare(tape, "output.dense", "output", spec.hidden(), spec.intermediate());
    Value hidden = intermediate.apply(tape, x, spec.activation(), "intermediatePre", "intermediate");
    Value sum = output.apply(tape, hidden, "outputSum");
    return HiddenDropout.apply(tape, sum, spec.hiddenDropout());
  }
}
