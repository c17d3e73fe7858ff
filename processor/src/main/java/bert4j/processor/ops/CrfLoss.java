package bert4j.processor.ops;

import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Value;

/**
 * {@code Kernels.crfLoss} (training only): the summed linear-chain CRF loss log Z − score(gold) of
 * each sequence, writing dEmissions and adding dTransitions, both scaled by the loss's scale.
 */
public record CrfLoss(Value emissions, Parameter transitions, int loss, int tags, Value dEmissions)
    implements TagPathLossOp {
  @Override
  public String kernel() {
    return "crfLoss";
  }
}
