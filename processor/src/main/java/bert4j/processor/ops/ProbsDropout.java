package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Extent;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.dropout} on the unfused attention's probabilities, into a buffer of its own (the
 * normalization's backward needs the probabilities it made): run in inference too, at rate 0, where
 * it copies. Backward: the same mask on the gradient.
 */
public record ProbsDropout(Value probs, Value out, float p, int site) implements ForwardOp {
  @Override
  public String kernel() {
    return "dropout";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(probs.buffer(), Access.READ), new Arg.Buf(out.buffer(), Access.WRITE),
        new Arg.Dim(Extent.PAIRS, probs.buffer().width()), new Arg.TrainingRate(p),
        new Arg.Seed(site));
  }

  @Override
  public List<Value> inputs() {
    return List.of(probs);
  }

  @Override
  public List<Value> outputs() {
    return List.of(out);
  }

  @Override
  public List<Buffer> saved() {
    return List.of();
  }

  @Override
  public void backward(Gradients gradients) {
    Buffer dOut = gradients.of(out);
    gradients.record(new DropoutBackward(dOut, gradients.inPlace(out, probs), p, site));
  }
}
