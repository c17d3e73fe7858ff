package bert4j.processor.ops;

import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Parameter;
import bert4j.processor.tape.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code Kernels.decoderAttention}: T5's decoder attention of new rows against cache layer
 * {@code cacheLayer}, forward only. Self-attention ({@code k} and {@code v} given: appended first,
 * causal) or cross-attention over the cached encoder rows ({@code k} and {@code v} null: the
 * encoder's padding masked by the cache's token ids); the relative bias from {@code table} unless it
 * is null.
 */
public record DecoderAttention(AttentionShape shape, int cacheLayer, Parameter table, int buckets,
    int maxDistance, Value q, Value k, Value v, Value context) implements DecodeOnly {
  @Override
  public String kernel() {
    return "decoderAttention";
  }

  @Override
  public List<Arg> args() {
    boolean self = k != null;
    return List.of(shape.arg(), new Arg.CacheLength(), new Arg.Host("starts"),
        new Arg.EncodedLength(), self ? new Arg.None() : new Arg.CacheIds(false),
        table == null ? new Arg.None() : new Arg.Param(table), new Arg.IntConst(buckets),
        new Arg.IntConst(maxDistance), new Arg.Buf(q.buffer(), Access.READ),
        self ? new Arg.Buf(k.buffer(), Access.READ) : new Arg.None(),
        self ? new Arg.Buf(v.buffer(), Access.READ) : new Arg.None(),
        new Arg.CacheAt(cacheLayer, false), new Arg.CacheAt(cacheLayer, true),
        new Arg.Buf(context.buffer(), Access.WRITE));
  }

  @Override
  public List<Value> inputs() {
    List<Value> inputs = new ArrayList<>(List.of(q));
    if (k != null) {
      inputs.add(k);
      inputs.add(v);
    }
    return inputs;
  }

  @Override
  public List<Value> outputs() {
    return List.of(context);
  }
}
