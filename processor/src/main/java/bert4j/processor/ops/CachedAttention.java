package bert4j.processor.ops;

import bert4j.dsl.Mask;
import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.tape.Value;
import java.util.List;

/**
 * {@code Kernels.cachedAttention}: the attention of a decoding pass. The new rows' k and v go into
 * the layer's key/value cache at their positions, and their queries attend to everything the cache
 * holds for their sequence under the spec's mask; the probabilities are not kept.
 */
public record CachedAttention(AttentionShape shape, Mask mask, Value q, Value k, Value v,
    Value context) implements DecodeOnly {
  @Override
  public String kernel() {
    return "cachedAttention";
  }

  @Override
  public List<Arg> args() {
    return List.of(shape.arg(), new Arg.CacheLength(), new Arg.EnumConst(mask),
        new Arg.CacheIds(false), new Arg.CacheIds(true), new Arg.Host("starts"),
        new Arg.Buf(q.buffer(), Access.READ), new Arg.Buf(k.buffer(), Access.READ),
        new Arg.Buf(v.buffer(), Access.READ), new Arg.Cache(false), new Arg.Cache(true),
        new Arg.Buf(context.buffer(), Access.WRITE));
  }

  @Override
  public List<Value> inputs() {
    return List.of(q, k, v);
  }

  @Override
  public List<Value> outputs() {
    return List.of(context);
  }
}
