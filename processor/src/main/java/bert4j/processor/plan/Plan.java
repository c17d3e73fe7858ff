package bert4j.processor.plan;

import bert4j.processor.spec.ModelSpec;
import java.util.List;

/**
 * Stage 2's result, plain data: the parameters in flat-buffer order, every activation buffer placed in
 * the arena, the forward calls in order and the backward calls in order, which buffers hold the
 * outputs, and the counts a user reads in the report. The emitter writes this down and decides nothing.
 */
public record Plan(
    ModelSpec spec,
    List<Parameter> parameters,
    List<Buffer> buffers,
    List<Call> forward,
    List<Call> backward,
    OutputBuffers outputs,
    int tokenWidth,
    int sequenceWidth,
    int pairWidth,
    long flopsPerTokenFixed,
    long flopsPerTokenPerPosition) {

  /** The buffers that hold each output after a forward pass; null where the spec has no such head. */
  public record OutputBuffers(Buffer sequence, Buffer pooled, Buffer mlmLogits, Buffer classLogits) {}

  public Plan {
    parameters = List.copyOf(parameters);
    buffers = List.copyOf(buffers);
    forward = List.copyOf(forward);
    backward = List.copyOf(backward);
  }

  /** Total number of parameters (floats of the flat parameter buffer). */
  public long parameterCount() {
    return parameters.stream().mapToLong(Parameter::size).sum();
  }

  /** Forward FLOPs per token at sequence length {@code seq}. */
  public long flopsPerToken(int seq) {
    return flopsPerTokenFixed + flopsPerTokenPerPosition * seq;
  }

  /** Bytes of the activation arena for {@code batch} sequences of length {@code seq}. */
  public long arenaBytes(int batch, int seq) {
    long tokens = (long) batch * seq;
    return 4L * (tokenWidth * tokens + sequenceWidth * (long) batch + pairWidth * tokens * seq);
  }
}
