package bert4j.processor.ops;

import bert4j.dsl.Activation;
import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code Kernels.linear}: pre = x·wᵀ + bias, out = activation(pre) (pre is out without activation). With
 * {@code clsRows} it reads only each sequence's first row ([CLS], row stride seq × width) and writes one
 * row per sequence. Backward: the activation's derivative (in place where the gradient allows), then
 * {@code linearBackward} for dx, dw and dBias. A model created for inference keeps no pre
 * ({@link #inferenceAliases}).
 */
public record Linear(Value x, boolean clsRows, Parameter weight, Parameter bias, Activation activation,
    Value pre, Value out, int in, int outWidth) implements ForwardOp {

  /** The extent of this call's rows. */
  public Extent rows() {
    return clsRows ? Extent.SEQUENCES : x.buffer().extent();
  }

  private Arg stride() {
    return clsRows ? new Arg.ClsStride(x.buffer().width()) : new Arg.IntConst(x.buffer().width());
  }

  @Override
  public String kernel() {
    return "linear";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(x.buffer(), Access.READ), stride(), new Arg.Param(weight),
        bias == null ? new Arg.None() : new Arg.Param(bias),
        activation == null ? new Arg.None() : new Arg.EnumConst(activation),
        new Arg.Buf(activation == null ? out.buffer() : pre.buffer(), Access.WRITE),
        new Arg.Buf(out.buffer(), Access.WRITE), new Arg.Dim(rows(), 1), new Arg.IntConst(in),
        new Arg.IntConst(outWidth));
  }

  @Override
  public Flops flops() {
    return rows() == Extent.TOKENS ? new Flops(2L * in * outWidth, 0) : Flops.NONE;
  }

  @Override
  public List<Value> inputs() {
    return List.of(x);
  }

  @Override
  public List<Value> outputs() {
    return activation == null ? List.of(out) : List.of(pre, out);
  }

  @Override
  public List<Buffer> saved() {
    List<Buffer> saved = new ArrayList<>(List.of(x.buffer()));
    if (activation != null) {
      saved.add(pre.buffer());
    }
    return saved;
  }

  /** At inference pre is out: the kernel writes activation(x·wᵀ + bias) alone, in one pass. */
  @Override
  public Map<Buffer, Buffer> inferenceAliases() {
    return activation == null ? Map.of() : Map.of(pre.buffer(), out.buffer());
  }

  @Override
  public void backward(Gradients gradients) {
    Buffer dPre = gradients.of(out);
    if (activation != null) {
      Buffer dOut = dPre;
      dPre = gradients.inPlace(out, pre);
      gradients.record(new ActivationBackward(activation, pre.buffer(), dOut, dPre, rows(), outWidth));
    }
    Gradients.Target dx = gradients.target(x, true, clsRows);
    gradients.record(new LinearBackward(dPre, x.buffer(), stride(), weight,
        dx == null ? null : dx.buffer(), dx != null && dx.accumulate(), bias, true, rows(), in,
        outWidth));
  }
}
