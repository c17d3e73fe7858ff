package bert4j.processor.tape;

import bert4j.processor.ops.AddGradient;
import bert4j.processor.ops.Fill;
import bert4j.processor.ops.ForwardOp;
import bert4j.processor.ops.KernelOp;
import bert4j.processor.ops.LossOp;
import bert4j.processor.plan.Access;
import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Call;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Derives the backward pass from a {@link Tape}: walks the forward ops in reverse, starting from the
 * losses, and lets each op whose outputs carry a gradient record its backward. It owns the gradient
 * buffers: a gradient is written by the first contribution and accumulated by the next ones (a value
 * used twice, a parameter used twice is accumulated by the kernels themselves), shared where two values
 * have the same gradient (a residual connection, an accumulating embedding), and taken over in place
 * where nothing else still needs it. Ops that reach no loss get no backward.
 */
public final class Gradients {
  /** Where a backward op writes a gradient, and whether it adds to what is there. */
  public record Target(Buffer buffer, boolean accumulate) {}

  /** The derived backward calls and the gradient buffer of every value that has one. */
  public record Result(List<Call> calls, Map<Value, Buffer> gradients) {}

  private final List<Tape.Entry> entries;
  private final Map<Integer, Value> layerInputs;
  private final Map<Value, Buffer> gradient = new LinkedHashMap<>();
  /** For each gradient buffer, the values it holds the gradient of whose backward has not run yet. */
  private final Map<Buffer, Set<Value>> pending = new HashMap<>();
  /** The ids of every buffer so far, forward and gradient: a new gradient buffer takes a free one. */
  private final Set<String> allocated = new HashSet<>();
  private final Set<Value> needsGradient = new HashSet<>();
  private final Map<Value, Integer> producer = new HashMap<>();
  private final Map<Value, List<Integer>> consumers = new HashMap<>();
  private final List<Call> calls = new ArrayList<>();
  /** Contributions written apart, to be added into their gradients after the op's backward. */
  private final List<AddGradient> added = new ArrayList<>();
  private final Set<Buffer> partials = new HashSet<>();
  /** Each entry's block: the last comment at or before it in the forward, which heads its backward. */
  private final List<String> blocks = new ArrayList<>();
  private String lastBlock;
  private int current;

  private Gradients(Tape tape) {
    this.entries = tape.entries();
    this.layerInputs = tape.layerInputs();
    tape.buffers().forEach(b -> allocated.add(b.id()));
    String block = null;
    for (int i = 0; i < entries.size(); i++) {
      ForwardOp op = entries.get(i).op();
      block = entries.get(i).comment() != null ? entries.get(i).comment() : block;
      blocks.add(block);
      boolean hasParameters = op.args().stream().anyMatch(a -> a instanceof Arg.Param);
      boolean fromGradient = op.inputs().stream().anyMatch(needsGradient::contains);
      for (Value in : op.inputs()) {
        consumers.computeIfAbsent(in, v -> new ArrayList<>()).add(i);
      }
      for (Value out : op.outputs()) {
        producer.put(out, i);
        if (hasParameters || fromGradient) {
          needsGradient.add(out);
        }
      }
    }
  }

  /** The backward of {@code tape}: empty when no op of it is a loss. */
  public static Result derive(Tape tape) {
    Gradients g = new Gradients(tape);
    for (g.current = g.entries.size() - 1; g.current >= 0; g.current--) {
      Tape.Entry entry = g.entries.get(g.current);
      ForwardOp op = entry.op();
      if (!(op instanceof LossOp) && op.outputs().stream().noneMatch(g.gradient::containsKey)) {
        continue;
      }
      int before = g.calls.size();
      op.backward(g);
      g.added.forEach(g::record);
      g.added.clear();
      g.checkSaved(op, g.calls.subList(before, g.calls.size()));
      for (Value out : op.outputs()) {
        Buffer b = g.gradient.get(out);
        if (b != null) {
          g.pending.get(b).remove(out);
        }
      }
    }
    return new Result(List.copyOf(g.calls), Map.copyOf(g.gradient));
  }

  /** The gradient of {@code out}, an output of the op being differentiated. */
  public Buffer of(Value out) {
    Buffer b = gradient.get(out);
    if (b == null) {
      throw new IllegalStateException(out.buffer().id() + " has no gradient in the backward of "
          + entries.get(current).op().kernel());
    }
    return b;
  }

  /**
   * Where to write the gradient of {@code x}: a new buffer on the first contribution (zero-filled first
   * when the kernel writes only some rows), the existing one, accumulated, after that — or, for a
   * kernel that cannot add, a buffer of its own that an {@code add} after the op's backward adds in;
   * null when x carries no gradient.
   */
  public Target target(Value x, boolean kernelAccumulates, boolean partial) {
    if (!needsGradient.contains(x)) {
      return null;
    }
    Buffer g = gradient.get(x);
    if (g == null) {
      g = allocate(x);
      define(x, g);
      if (partial) {
        record(new Fill(g, 0f));
      }
      return new Target(g, partial);
    }
    if (!kernelAccumulates) {
      Buffer part = allocate(x);
      partials.add(part);
      added.add(new AddGradient(part, g));
      if (partial) {
        record(new Fill(part, 0f));
      }
      return new Target(part, partial);
    }
    return new Target(g, true);
  }

  /**
   * The gradient of {@code x} for ops that each overwrite their own columns of it and together cover
   * all of it (the q, k and v column slices of the fused projection): a new buffer for the first
   * (its target not accumulating: its write starts the value), the same for the others (accumulating:
   * theirs update it); null when x carries no gradient.
   */
  public Target columns(Value x) {
    if (!needsGradient.contains(x)) {
      return null;
    }
    Buffer g = gradient.get(x);
    if (g == null) {
      g = allocate(x);
      define(x, g);
      return new Target(g, false);
    }
    return new Target(g, true);
  }

  /** A new gradient buffer for {@code x}, for a kernel that overwrites. */
  public Buffer fresh(Value x) {
    Target t = target(x, false, false);
    if (t == null) {
      throw new IllegalStateException(entries.get(current).op().kernel()
          + "'s backward writes the gradient of " + x.buffer().id() + ", which has none");
    }
    return t.buffer();
  }

  /**
   * The buffer for the gradient of {@code in} computed elementwise from that of {@code out}: the same
   * buffer when no other pending value shares it, otherwise a new one.
   */
  public Buffer inPlace(Value out, Value in) {
    Buffer g = of(out);
    boolean alone = pending.get(g).equals(Set.of(out));
    boolean sameShape = g.extent() == in.buffer().extent() && g.width() == in.buffer().width();
    if (alone && sameShape && !gradient.containsKey(in) && needsGradient.contains(in)) {
      define(in, g);
      return g;
    }
    return fresh(in);
  }

  /**
   * The buffer for the gradient of {@code x + residual} (the same for both): one buffer shared by the
   * two when that is safe (the residual's other uses come before x is produced, so their backward
   * adds to it only after x's has read it), else x's own.
   */
  public Buffer sum(Value x, Value residual) {
    if (residual == null) {
      return fresh(x);
    }
    boolean residualFree = !gradient.containsKey(residual) && needsGradient.contains(residual);
    int xFrom = producer.getOrDefault(x, -1);
    boolean ordered = consumers.get(residual).stream().allMatch(i -> i == current || i < xFrom);
    if (residualFree && ordered && !gradient.containsKey(x)) {
      Buffer g = allocate(residual);
      define(residual, g);
      define(x, g);
      return g;
    }
    throw new IllegalStateException("the residual " + residual.buffer().id() + " of "
        + x.buffer().id() + " is used after it is produced: its gradient would need an add kernel");
  }

  /**
   * The backward of out = x + residual: out's gradient becomes the gradient of both, shared when that
   * is safe (as {@link #sum}: the residual's other uses come before x is produced).
   */
  public void passSum(Value out, Value x, Value residual) {
    Buffer g = of(out);
    boolean xFree = !gradient.containsKey(x);
    boolean residualFree = !gradient.containsKey(residual);
    int xFrom = producer.getOrDefault(x, -1);
    boolean ordered = consumers.get(residual).stream().allMatch(i -> i == current || i < xFrom);
    if (!xFree || !residualFree || !ordered) {
      throw new IllegalStateException("the residual " + residual.buffer().id() + " of "
          + x.buffer().id() + " is used after it is produced: its gradient cannot share "
          + out.buffer().id() + "'s");
    }
    if (needsGradient.contains(x)) {
      define(x, g);
    }
    if (needsGradient.contains(residual)) {
      define(residual, g);
    }
  }

  /**
   * Adds the gradient {@code h} has of its own (where an op's pass-through output is used again, as
   * the residual stream of a pre-norm block) into {@code into}, the gradient the op's backward just
   * wrote for its inputs; nothing when h has none.
   */
  public void addOwn(Value h, Buffer into) {
    Buffer own = gradient.get(h);
    if (own != null) {
      record(new AddGradient(own, into));
    }
  }

  /** Gives {@code onto} the gradient of {@code out} (an accumulating op: out = onto + ...). */
  public void share(Value out, Value onto) {
    if (gradient.containsKey(onto)) {
      throw new IllegalStateException("the gradient of " + onto.buffer().id() + " is already set");
    }
    define(onto, of(out));
  }

  /** A loss's gradient of its logits, written by the loss call itself. */
  public void seed(Value logits, Buffer dLogits) {
    if (gradient.containsKey(logits)) {
      throw new IllegalStateException(logits.buffer().id() + " feeds two losses");
    }
    define(logits, dLogits);
  }

  /** Appends a backward call in the scope of the op being differentiated. */
  public void record(KernelOp op) {
    String block = blocks.get(current);
    int layer = entries.get(current).layer();
    boolean newScope = calls.isEmpty() || calls.get(calls.size() - 1).layer() != layer;
    calls.add(new Call(op, block != null && (newScope || !block.equals(lastBlock)) ? block : null,
        layer, false, -1));
    lastBlock = block;
  }

  /** A backward may read only what its op declares saved, and gradients. */
  private void checkSaved(ForwardOp op, List<Call> recorded) {
    Set<Buffer> gradients = new HashSet<>(gradient.values());
    gradients.addAll(partials);
    for (Call call : recorded) {
      for (Arg arg : call.args()) {
        if (arg instanceof Arg.Buf b && b.access() == Access.READ
            && !op.saved().contains(b.buffer()) && !gradients.contains(b.buffer())) {
          throw new IllegalStateException(op.kernel() + "'s backward reads " + b.buffer().id()
              + ", which it neither saves nor is a gradient");
        }
      }
    }
  }

  /**
   * A new gradient buffer for x, in the scope of the op that produced x (a layer's own values, the
   * gradient of its input in the layer below). A value a layer writes into its input's buffer (a
   * pre-norm block's residual stream) gets a gradient of that layer, named {@code layerInputGrad} in
   * every layer alike.
   */
  private Buffer allocate(Value x) {
    Buffer b = x.buffer();
    Integer from = producer.get(x);
    int layer = from == null ? b.layer() : entries.get(from).layer();
    Value input = layerInputs.get(layer);
    String base = layer != b.layer() && input != null && input.buffer().equals(b)
        ? "layerInputGrad" : b.name() + "Grad";
    Buffer g = new Buffer(base, layer, b.extent(), b.width());
    for (int n = 2; !allocated.add(g.id()); n++) {
      g = new Buffer(base + n, layer, b.extent(), b.width());
    }
    return g;
  }

  private void define(Value v, Buffer g) {
    gradient.put(v, g);
    pending.computeIfAbsent(g, b -> new HashSet<>()).add(v);
  }
}
