package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.sigmoidCrossEntropy} (training only): the summed binary cross-entropy of one logit
 * per row against loss {@code loss}'s 0/1 targets (−1 not counted), writing dLogits scaled by the
 * loss's scale.
 */
public record SigmoidCrossEntropy(Value logits, int loss, Value dLogits) implements LossOp {
  @Override
  public String kernel() {
    return "sigmoidCrossEntropy";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(logits.buffer(), Access.READ), new Arg.Targets(loss),
        new Arg.Dim(logits.buffer().extent(), 1), new Arg.Buf(dLogits.buffer(), Access.WRITE),
        new Arg.LossScale(loss));
  }

  @Override
  public List<Value> inputs() {
    return List.of(logits);
  }

  @Override
  public List<Value> outputs() {
    return List.of(dLogits);
  }

  @Override
  public List<Buffer> saved() {
    return List.of();
  }

  @Override
  public void backward(Gradients gradients) {
    gradients.seed(logits, dLogits.buffer());
  }
}
