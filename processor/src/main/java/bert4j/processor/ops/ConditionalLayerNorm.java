package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code Kernels.conditionalLayerNorm}: as {@link LayerNorm}, with γ and β per sequence (values of
 * {@code [batch, width]}, computed from the condition). Backward: one
 * {@code conditionalLayerNormBackward} into dH and the per-sequence dγ, dβ, plus h's own gradient
 * where h is used again.
 */
public record ConditionalLayerNorm(Value x, Value residual, Value gammas, Value betas, float eps,
    Value h, Value out, Value mean, Value rstd, int width) implements ForwardOp {
  @Override
  public String kernel() {
    return "conditionalLayerNorm";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(x.buffer(), Access.UPDATE),
        residual == null ? new Arg.None() : new Arg.Buf(residual.buffer(), Access.READ),
        new Arg.Buf(gammas.buffer(), Access.READ), new Arg.Buf(betas.buffer(), Access.READ),
        new Arg.FloatConst(eps), new Arg.Buf(out.buffer(), Access.WRITE),
        new Arg.Buf(mean.buffer(), Access.WRITE), new Arg.Buf(rstd.buffer(), Access.WRITE),
        new Arg.Batch(), new Arg.SeqLength(), new Arg.IntConst(width));
  }

  @Override
  public List<Value> inputs() {
    List<Value> inputs = new ArrayList<>(List.of(x, gammas, betas));
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
    return List.of(h.buffer(), mean.buffer(), rstd.buffer(), gammas.buffer());
  }

  @Override
  public void backward(Gradients gradients) {
    Buffer dOut = gradients.of(out);
    Buffer dH = gradients.sum(x, residual);
    gradients.record(new ConditionalLayerNormBackward(dOut, h.buffer(), mean.buffer(), rstd.buffer(),
        gammas.buffer(), dH, gradients.fresh(gammas), gradients.fresh(betas), width));
    gradients.addOwn(h, dH);
  }
}
