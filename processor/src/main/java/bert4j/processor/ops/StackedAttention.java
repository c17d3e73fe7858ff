package bert4j.processor.ops;

import bert4j.dsl.Mask;
import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.stackedAttention}: {@link Attention} reading q, k and v in place as the column
 * blocks of the fused q·k·v product {@code qkv}, where nothing else reads them (no rotary embedding
 * turns q and k first), so that they are not copied out into tensors of their own. Backward: one
 * {@code stackedAttentionBackward} writing the whole of qkv's gradient.
 */
public record StackedAttention(AttentionShape shape, Mask mask, Value qkv, Value probs,
    Value context, float dropout, int site) implements ForwardOp {
  @Override
  public String kernel() {
    return "stackedAttention";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.EnumConst(mask), new Arg.Host("tokenIds"),
        new Arg.Host("segmentIds"), new Arg.Buf(qkv.buffer(), Access.READ),
        new Arg.Buf(probs.buffer(), Access.WRITE), new Arg.Buf(context.buffer(), Access.WRITE),
        new Arg.TrainingRate(dropout), new Arg.Seed(site));
  }

  @Override
  public Flops flops() {
    return Attention.flops(shape);
  }

  @Override
  public List<Value> inputs() {
    return List.of(qkv);
  }

  @Override
  public List<Value> outputs() {
    return List.of(probs, context);
  }

  @Override
  public List<Buffer> saved() {
    return List.of(qkv.buffer(), probs.buffer());
  }

  @Override
  public void backward(Gradients gradients) {
    gradients.record(new StackedAttentionBackward(shape, mask, qkv.buffer(), probs.buffer(),
        gradients.of(context), gradients.fresh(qkv), dropout, site));
  }
}
