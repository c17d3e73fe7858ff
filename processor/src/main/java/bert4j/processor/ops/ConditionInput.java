package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Extent;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.write} of the batch's conditions (one vector per sequence, staged on the host by the
 * model's base class) into the model's memory, for the conditional layer norms. It has no gradient.
 */
public record ConditionInput(Value condition, int size) implements ForwardOp {
  @Override
  public String kernel() {
    return "write";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.HostFloats("conditions"), new Arg.IntConst(0),
        new Arg.Buf(condition.buffer(), Access.WRITE), new Arg.Dim(Extent.SEQUENCES, size));
  }

  @Override
  public List<Value> inputs() {
    return List.of();
  }

  @Override
  public List<Value> outputs() {
    return List.of(condition);
  }

  @Override
  public List<Buffer> saved() {
    return List.of();
  }

  @Override
  public void backward(Gradients gradients) {
    throw new IllegalStateException("the condition input has no gradient");
  }
}
