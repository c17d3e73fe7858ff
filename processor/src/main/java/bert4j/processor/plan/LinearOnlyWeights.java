package bert4j.processor.plan;

import bert4j.processor.ops.Linear;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The dense layers' weights a model created for inference hands to its backend to keep in a layout
 * of its own ({@code Kernels.linearWeight}): each weight a {@link Linear} call of the inference passes
 * reads as its weight, that no other call reads and that overlaps no other parameter a call reads. A
 * tied embedding (read by the embedding lookup too), a weight read through a fused view and one by
 * one, a weight two dense layers read with different shapes: all stay in the Hugging Face layout.
 */
public final class LinearOnlyWeights {
  private LinearOnlyWeights() {}

  /** A dense layer's weight {@code [out, in]} and the product's widths. */
  public record Weight(Parameter parameter, int in, int out) {
    long end() {
      return parameter.offset() + parameter.size();
    }
  }

  /**
   * The weights of {@code plan}'s passes that a model created for inference runs (the forward and
   * the decoding pass), by offset.
   */
  public static List<Weight> of(Plan plan) {
    List<Call> calls = new ArrayList<>(plan.forward());
    if (plan.decode() == null) {
      return of(calls, parameter -> parameter);
    }
    // The decoding pass was planned apart: its parameters are the model's by field and layer.
    Map<String, Parameter> model = new HashMap<>();
    Stream.concat(plan.parameters().stream(), plan.views().stream())
        .forEach(p -> model.put(p.field() + "@" + p.layer(), p));
    calls.addAll(plan.decode().calls());
    return of(calls, p -> {
      Parameter own = model.get(p.field() + "@" + p.layer());
      if (own == null) {
        throw new IllegalStateException("the decoding pass reads " + p.name() + " (" + p.field()
            + ", layer " + p.layer() + "), which the model does not have");
      }
      return own;
    });
  }

  /** The weights of {@code calls}, each parameter read as {@code model} maps it, by offset. */
  static List<Weight> of(List<Call> calls, UnaryOperator<Parameter> model) {
    Map<Long, Weight> linear = new LinkedHashMap<>();
    List<long[]> conflicts = new ArrayList<>();
    List<Parameter> others = new ArrayList<>();
    for (Call call : calls) {
      Parameter weight = call.op() instanceof Linear op ? op.weight() : null;
      for (Arg a : call.args()) {
        if (!(a instanceof Arg.Param p)) {
          continue;
        }
        if (p.parameter() != weight) {
          others.add(model.apply(p.parameter()));
          continue;
        }
        Linear op = (Linear) call.op();
        Weight w = new Weight(model.apply(weight), op.in(), op.outWidth());
        Weight held = linear.putIfAbsent(w.parameter().offset(), w);
        if (held != null && !held.equals(w)) {
          conflicts.add(new long[] {w.parameter().offset(), w.end()});
        }
      }
    }
    List<Weight> result = new ArrayList<>();
    for (Weight w : linear.values()) {
      boolean alone = others.stream().noneMatch(p -> overlaps(w, p.offset(), p.offset() + p.size()))
          && conflicts.stream().noneMatch(c -> overlaps(w, c[0], c[1]))
          && linear.values().stream().noneMatch(v -> v != w && overlaps(w, v.parameter().offset(),
              v.end()));
      if (alone) {
        result.add(w);
      }
    }
    return List.copyOf(result);
  }

  private static boolean overlaps(Weight w, long from, long to) {
    return from < w.end() && w.parameter().offset() < to;
  }
}
