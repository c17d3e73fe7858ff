package bert4j.processor.tape;

import bert4j.processor.ops.ForwardOp;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The plan-time tape: blocks declare parameters and buffers on it and record the forward ops of the
 * model in order, each in the scope of a layer or of none. Nothing is computed here; the backward is
 * derived from the tape by {@link Gradients}, and liveness, placement and the report read it.
 *
 * <p>A decoding tape ({@link #decoding()}) records the same blocks for incremental decoding: forward
 * only, at inference, the attention against the key/value cache; its buffers are named
 * {@code decode<Name>} so that the generated class holds them beside the forward pass's.
 */
public final class Tape {
  /** One recorded forward op, the layer it belongs to, and the comment for the generated code. */
  public record Entry(ForwardOp op, int layer, String comment) {}

  private final List<Entry> entries = new ArrayList<>();
  private final List<Parameter> parameters = new ArrayList<>();
  private final List<Parameter> views = new ArrayList<>();
  private final Map<Integer, Value> layerInputs = new LinkedHashMap<>();
  private final Set<Buffer> buffers = new HashSet<>();
  private final Set<String> bufferIds = new HashSet<>();
  private final Set<String> names = new HashSet<>();
  private int layer = Buffer.GLOBAL;
  private String prefix = "";
  private String comment;
  private long nextOffset;
  private int nextValue;
  private int nextSite;
  private final boolean decoding;

  /** A tape for the model's forward pass and derived backward. */
  public Tape() {
    this(false);
  }

  private Tape(boolean decoding) {
    this.decoding = decoding;
  }

  /** A tape for the incremental decoding pass. */
  public static Tape forDecoding() {
    return new Tape(true);
  }

  /** Whether this tape records the incremental decoding pass. */
  public boolean decoding() {
    return decoding;
  }

  /**
   * Opens layer {@code index}: parameters declared until {@link #exitLayer} are named
   * {@code prefix + localName}, buffers belong to the layer, and {@code input} (a value of the scope
   * before) is the layer's input.
   */
  public void enterLayer(int index, String namePrefix, Value input) {
    if (layer != Buffer.GLOBAL) {
      throw new IllegalStateException("layer " + layer + " is still open");
    }
    layer = index;
    prefix = namePrefix;
    layerInputs.put(index, input);
  }

  public void exitLayer() {
    layer = Buffer.GLOBAL;
    prefix = "";
  }

  /** A new buffer of the current scope and its first value. */
  public Value buffer(String name, Extent extent, int width) {
    String field = decoding
        ? "decode" + Character.toUpperCase(name.charAt(0)) + name.substring(1) : name;
    Buffer buffer = new Buffer(field, layer, extent, width);
    if (!bufferIds.add(buffer.id()) || !buffers.add(buffer)) {
      throw new IllegalStateException("buffer " + buffer.id() + " declared twice");
    }
    return new Value(nextValue++, buffer);
  }

  /** A new value of {@code value}'s buffer: what an in-place op writes. */
  public Value next(Value value) {
    return new Value(nextValue++, value.buffer());
  }

  /** A parameter of the current scope, placed next in the flat buffer. */
  public Parameter parameter(String localName, String field, int... shape) {
    String name = prefix + localName;
    if (!names.add(name)) {
      throw new IllegalStateException("parameter " + name + " declared twice");
    }
    Parameter p = new Parameter(name, localName, field, layer, shape, nextOffset);
    parameters.add(p);
    nextOffset += p.size();
    return p;
  }

  /**
   * A contiguous part of parameter {@code whole} used as a tensor of its own (q, k and v in GPT's fused
   * {@code attn.c_attn}), with its own slice field; its gradient is the same part of the whole's.
   * Views are not parameters: checkpoints and the optimizer see only the whole.
   */
  public Parameter view(Parameter whole, String field, long offset, int... shape) {
    Parameter v = new Parameter(whole.name() + "@" + offset, whole.localName() + "@" + offset, field,
        whole.layer(), shape, whole.offset() + offset);
    if (offset < 0 || offset + v.size() > whole.size()) {
      throw new IllegalArgumentException("view " + field + " lies outside " + whole.name());
    }
    if (!names.add(v.name())) {
      throw new IllegalStateException("view " + v.name() + " declared twice");
    }
    views.add(v);
    return v;
  }

  /**
   * Parameters declared one after another with the same row width (q, k and v), seen as one
   * tensor of their rows stacked, with its own slice field; its gradient is theirs, stacked the same
   * way. Like a {@link #view}, not a parameter: checkpoints and the optimizer see the parts.
   */
  public Parameter stack(String field, List<Parameter> parts) {
    Parameter first = parts.get(0);
    int[] shape = first.shape();
    long next = first.offset();
    for (Parameter p : parts) {
      int[] s = p.shape();
      if (p.offset() != next || p.layer() != first.layer() || s.length != shape.length
          || (s.length == 2 && s[1] != shape[1])) {
        throw new IllegalArgumentException("cannot stack " + p.name() + " after "
            + first.name() + ": the parts must follow each other with the same row width");
      }
      next += p.size();
    }
    shape[0] = (int) ((next - first.offset()) / (shape.length == 2 ? shape[1] : 1));
    Parameter stacked = new Parameter(first.name() + "+" + (parts.size() - 1),
        first.localName() + "+" + (parts.size() - 1), field, first.layer(), shape, first.offset());
    if (!names.add(stacked.name())) {
      throw new IllegalStateException("stack " + stacked.name() + " declared twice");
    }
    views.add(stacked);
    return stacked;
  }

  /** A new dropout seed site. */
  public int seedSite() {
    return nextSite++;
  }

  /** The comment of the next recorded op. */
  public void comment(String text) {
    comment = text;
  }

  /** Records {@code op} in the current scope and returns it. */
  public <T extends ForwardOp> T record(T op) {
    entries.add(new Entry(op, layer, comment));
    comment = null;
    return op;
  }

  public List<Entry> entries() {
    return List.copyOf(entries);
  }

  /** Every buffer declared on the tape. */
  public Set<Buffer> buffers() {
    return Set.copyOf(buffers);
  }

  public List<Parameter> parameters() {
    return List.copyOf(parameters);
  }

  /** The parameter views, in declaration order. */
  public List<Parameter> views() {
    return List.copyOf(views);
  }

  /** Each layer's input value, by layer index. */
  public Map<Integer, Value> layerInputs() {
    return Map.copyOf(layerInputs);
  }
}
