package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.mixHeads}: talking heads, the heads' maps mixed by a learned {@code [heads, heads]}
 * matrix. Backward: {@code mixHeadsBackward} into dx and the matrix's gradient.
 */
public record MixHeads(AttentionShape shape, Value x, Parameter w, Value out) implements ForwardOp {
  @Override
  public String kernel() {
    return "mixHeads";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.Buf(x.buffer(), Access.READ), new Arg.Param(w),
        new Arg.Buf(out.buffer(), Access.WRITE));
  }

  @Override
  public Flops flops() {
    return new Flops(0, 2L * shape.heads() * shape.heads());
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
    return List.of(x.buffer());
  }

  @Override
  public void backward(Gradients gradients) {
    gradients.record(new MixHeadsBackward(shape, x.buffer(), w, gradients.of(out),
        gradients.fresh(x)));
  }
}
