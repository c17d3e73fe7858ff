package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code Kernels.layerNorm}: h = x + residual (stored back into x's buffer as the value {@code h}),
 * out = γ ⊙ (h − mean)/√(var + eps) + β, keeping each row's mean and 1/std. Backward: one
 * {@code layerNormBackward} whose dH is the gradient of x and of the residual alike, plus h's own
 * gradient where h is used again (a pre-norm residual stream).
 */
public record LayerNorm(Value x, Value residual, Parameter gamma, Parameter beta, float eps, Value h,
    Value out, Value mean, Value rstd, int width) implements ForwardOp {
  @Override
  public String kernel() {
    return "layerNorm";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(x.buffer(), Access.UPDATE),
        residual == null ? new Arg.None() : new Arg.Buf(residual.buffer(), Access.READ),
        new Arg.Param(gamma), new Arg.Param(beta), new Arg.FloatConst(eps),
        new Arg.Buf(out.buffer(), Access.WRITE), new Arg.Buf(mean.buffer(), Access.WRITE),
        new Arg.Buf(rstd.buffer(), Access.WRITE), new Arg.Dim(x.buffer().extent(), 1),
        new Arg.IntConst(width));
  }

  @Override
  public List<Value> inputs() {
    List<Value> inputs = new ArrayList<>(List.of(x));
    if (residual != null) {
      inputs.add(residual);
    }
    return inputs;
  }

  @Override
  public List<Value> outputs() {
    return List.of(h, out, mean, rstd);
  }

  @Override
  public List<Buffer> saved() {
    return List.of(h.buffer(), mean.buffer(), rstd.buffer());
  }

  @Override
  public void backward(Gradients gradients) {
    Buffer dOut = gradients.of(out);
    Buffer dH = gradients.sum(x, residual);
    gradients.record(new LayerNormBackward(dOut, h.buffer(), mean.buffer(), rstd.buffer(), gamma, dH,
        beta, width));
    gradients.addOwn(h, dH);
  }
}
