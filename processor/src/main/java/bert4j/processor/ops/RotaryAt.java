package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Extent;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.rotaryAt}: the rotary position embedding of a decoding pass, in place on q or k, each
 * row turned by its position in its sequence ({@code positionIds}: the new rows follow the cached
 * ones).
 */
public record RotaryAt(Value x, Value out, int heads, int size) implements DecodeOnly {
  @Override
  public String kernel() {
    return "rotaryAt";
  }

  @Override
  public List<Arg> args() {
    return List.of(new Arg.Buf(x.buffer(), Access.UPDATE), new Arg.Host("positionIds"),
        new Arg.Dim(Extent.TOKENS, 1), new Arg.IntConst(heads), new Arg.IntConst(size));
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
