package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import java.util.List;

/** {@code Kernels.embeddingBackward}: dTable[ids[r]] += dOut[r]. */
public record EmbeddingBackward(String ids, Buffer dOut, int width, Parameter table)
    implements KernelOp {
  @Override
  public String kernel() {
    return "embeddingBackward";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Host(ids), new Arg.Dim(Extent.TOKENS, 1), new Arg.Buf(dOut, Access.READ),
        new Arg.IntConst(width), new Arg.Grad(table));
  }
}
