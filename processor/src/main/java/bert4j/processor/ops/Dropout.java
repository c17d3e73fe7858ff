package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.dropout} (training only): out = x ⊙ mask / (1 − p), the mask drawn from seed site
 * {@code site}. Backward: the same mask on the gradient, in place where the gradient allows.
 */
public record Dropout(Value x, Value out, float p, int site) implements ForwardOp {
  @Override
  public String kernel() {
    return "dropout";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(x.buffer(), Access.READ), new Arg.Buf(out.buffer(), Access.WRITE),
        new Arg.Dim(x.buffer().extent(), x.buffer().width()), new Arg.FloatConst(p),
        new Arg.Seed(site));
  }

  @Override
  public boolean trainingOnly() {
    return true;
  }

  @Override
  public List<Value> inputs() {
    return List.of(x);
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
    Buffer dx = gradients.inPlace(out, x);
    gradients.record(new DropoutBackward(dOut, dx, p, site));
  }
}
