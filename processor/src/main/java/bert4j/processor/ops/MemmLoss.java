package bert4j.processor.ops;

import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Value;

/**
 * {@code Kernels.memmLoss} (training only): the summed MEMM loss, −log softmax(e + T[previous gold
 * tag]) of each gold tag, writing dEmissions and adding dTransitions, both scaled by the loss's
 * scale.
 */
public record MemmLoss(Value emissions, Parameter transitions, int loss, int tags, Value dEmissions)
    implements TagPathLossOp {
  @Override
  public String kernel() {
    return "memmLoss";
  }
}
