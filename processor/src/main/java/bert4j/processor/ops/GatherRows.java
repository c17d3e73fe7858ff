package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Extent;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * Each sequence's last new row of a decoding pass, gathered into one row per sequence
 * ({@code lastRows}) so that the LM head runs on those rows only: {@code Kernels.embedding} with
 * the rows as its table, as an embedding is a gather of rows.
 */
public record GatherRows(Value x, Value out, int width) implements DecodeOnly {
  @Override
  public String kernel() {
    return "embedding";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Host("lastRows"), new Arg.Dim(Extent.SEQUENCES, 1),
        new Arg.Buf(x.buffer(), Access.READ), new Arg.IntConst(width),
        new Arg.Buf(out.buffer(), Access.WRITE), new Arg.BoolConst(false));
  }

  @Override
  public List<Value> inputs() {
    return List.of(x);
  }

  @Override
  public List<Value> outputs() {
    return List.of(out);
  }
}
