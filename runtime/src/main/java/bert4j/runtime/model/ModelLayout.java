package bert4j.runtime.model;

import bert4j.dsl.Architecture;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.optim.OptimizerProgram;
import java.util.List;

/**
 * What a generated model tells its runtime base class: the spec's architecture (which decides the
 * names and layout of its checkpoints) and sizes, the parameters in
 * flat-buffer order, the losses of its heads (none: the model cannot train), the arena's region
 * widths (floats per token, per sequence, per token pair), the plan's FLOP counts, and the compiled
 * optimizer.
 */
public record ModelLayout(
    String specName,
    Architecture architecture,
    int vocab,
    int hidden,
    int maxPosition,
    int segments,
    double initializerRange,
    List<ParameterInfo> parameters,
    List<LossTarget> losses,
    int tokenWidth,
    int sequenceWidth,
    int pairWidth,
    long flopsPerTokenFixed,
    long flopsPerTokenPerPosition,
    OptimizerProgram optimizer) {

  public ModelLayout {
    parameters = List.copyOf(parameters);
    losses = List.copyOf(losses);
  }

  /** Total number of parameters. */
  public long parameterCount() {
    return parameters.stream().mapToLong(ParameterInfo::size).sum();
  }

  /** Forward FLOPs per token at sequence length {@code seq} (a training step is about three times). */
  public long flopsPerToken(int seq) {
    return flopsPerTokenFixed + flopsPerTokenPerPosition * seq;
  }

  /** Floats of the activation arena for {@code batch} sequences of length {@code seq}. */
  public long arenaFloats(int batch, int seq) {
    long tokens = (long) batch * seq;
    return tokenWidth * tokens + sequenceWidth * (long) batch + pairWidth * tokens * seq;
  }
}
