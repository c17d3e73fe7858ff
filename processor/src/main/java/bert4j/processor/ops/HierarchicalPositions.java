package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Gradients;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.hierarchicalPositions}: the learned position table, extended past its rows by
 * bert4keras's hierarchical decomposition, added onto the embedding sum in place ({@code out} is its
 * next value). Backward: the sum's gradient passes through, the table's accumulates.
 */
public record HierarchicalPositions(Parameter table, int rows, int width, float alpha, Value onto,
    Value out) implements ForwardOp {
  @Override
  public String kernel() {
    return "hierarchicalPositions";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Batch(), new Arg.SeqLength(), new Arg.Param(table),
        new Arg.IntConst(rows), new Arg.IntConst(width), new Arg.FloatConst(alpha),
        new Arg.Buf(onto.buffer(), Access.UPDATE));
  }

  @Override
  public List<Value> inputs() {
    return List.of(onto);
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
    gradients.share(out, onto);
    gradients.record(new HierarchicalPositionsBackward(dOut, table, rows, width, alpha));
  }
}
