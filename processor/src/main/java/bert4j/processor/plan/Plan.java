package bert4j.processor.plan;

import bert4j.processor.heads.HeadOutput;
import bert4j.processor.heads.Loss;
import bert4j.processor.ops.Flops;
import bert4j.processor.spec.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stage 2's result, plain data: the parameters in flat-buffer order (and the views some calls take
 * of them, {@link bert4j.processor.tape.Tape#view}), the forward calls and the derived
 * backward calls in order, each buffer's arena column, the outputs and losses of the heads, each layer's
 * input (and its gradient), the counts of the report, the incremental decoding pass where the
 * spec decodes (null otherwise), and the arena of a model created for inference. With recompute, each layer's backward starts
 * by replaying the layer's forward calls ({@link #timeline()} shows them). The emitter writes this down
 * and decides nothing.
 */
public record Plan(
    ModelSpec spec,
    List<Parameter> parameters,
    List<Parameter> views,
    List<Call> forward,
    List<Call> backward,
    Map<Buffer, Column> columns,
    List<HeadOutput> outputs,
    List<Loss> losses,
    List<LayerPorts> layers,
    int tokenWidth,
    int sequenceWidth,
    int pairWidth,
    Flops flops,
    DecodePlan decode,
    InferenceArena inference) {

  /** What layer {@code index} reads from outside itself: its input, and its input's gradient (or null). */
  public record LayerPorts(int index, Buffer input, Buffer inputGradient) {}

  public Plan {
    parameters = List.copyOf(parameters);
    views = List.copyOf(views);
    forward = List.copyOf(forward);
    backward = List.copyOf(backward);
    columns = Map.copyOf(columns);
    outputs = List.copyOf(outputs);
    losses = List.copyOf(losses);
    layers = List.copyOf(layers);
  }

  /** Whether each layer's backward replays its forward (the spec's {@code recompute}). */
  public boolean recompute() {
    return spec.recompute();
  }

  /**
   * Every call a training step makes, in order: the forward, then the backward with each layer's
   * replayed forward (under recompute) just before the layer's backward calls.
   */
  public List<Call> timeline() {
    List<Call> all = new ArrayList<>(forward);
    int previous = Buffer.GLOBAL;
    for (Call call : backward) {
      if (recompute() && call.layer() != Buffer.GLOBAL && call.layer() != previous) {
        int layer = call.layer();
        forward.stream().filter(c -> c.layer() == layer).forEach(all::add);
      }
      previous = call.layer();
      all.add(call);
    }
    return all;
  }

  /** Total number of parameters (floats of the flat parameter buffer). */
  public long parameterCount() {
    return parameters.stream().mapToLong(Parameter::size).sum();
  }

  /** Forward FLOPs per token at sequence length {@code seq}. */
  public long flopsPerToken(int seq) {
    return flops.perToken() + flops.perTokenPerPosition() * seq;
  }

  /** Bytes of the activation arena for {@code batch} sequences of length {@code seq}. */
  public long arenaBytes(int batch, int seq) {
    long tokens = (long) batch * seq;
    return 4L * (tokenWidth * tokens + sequenceWidth * (long) batch + pairWidth * tokens * seq);
  }
}
