package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.embedding}: out = table[ids] per token, or out = onto + table[ids] when {@code onto}
 * (the previous value of the same buffer) is given. Backward: a scatter-add into the table's gradient;
 * the gradient of {@code onto} is the gradient of {@code out}.
 */
public record Embedding(String ids, Parameter table, int width, Value onto, Value out)
    implements ForwardOp {
  @Override
  public String kernel() {
    return "embedding";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Host(ids), new Arg.Dim(Extent.TOKENS, 1), new Arg.Param(table),
        new Arg.IntConst(width), new Arg.Buf(out.buffer(), onto != null ? Access.UPDATE : Access.WRITE),
        new Arg.BoolConst(onto != null));
  }

  @Override
  public List<Value> inputs() {
    return onto == null ? List.of() : List.of(onto);
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
    gradients.record(new EmbeddingBackward(ids, dOut, width, table));
    if (onto != null) {
      gradients.share(out, onto);
    }
  }
}
