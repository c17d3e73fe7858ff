package bert4j.runtime.model;

import bert4j.dsl.Architecture;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.config.ModelConfig;
import bert4j.runtime.optim.OptimizerProgram;
import java.util.List;

/**
 * What a generated model tells its runtime base class: the spec's settings ({@code config}: the
 * architecture, which decides the names and layout of its checkpoints, and the sizes a
 * {@code config.json} also states), the longest sequence it takes ({@code maxPosition}, past the
 * position table with hierarchical positions), the width of each sequence's condition
 * ({@code conditionSize}, 0 without conditional layer norms), the parameters in flat-buffer order,
 * the losses of its heads (none: the model cannot train), the widths of the arena of a model that
 * trains ({@code arena}) and of one created for inference ({@code inferenceArena}: the forward and
 * decoding passes alone), the plan's FLOP counts, and the compiled optimizer.
 */
public record ModelLayout(
    String specName,
    ModelConfig config,
    int maxPosition,
    int conditionSize,
    double initializerRange,
    List<ParameterInfo> parameters,
    List<LossTarget> losses,
    ArenaWidths arena,
    ArenaWidths inferenceArena,
    long flopsPerTokenFixed,
    long flopsPerTokenPerPosition,
    OptimizerProgram optimizer) {

  public ModelLayout {
    parameters = List.copyOf(parameters);
    losses = List.copyOf(losses);
  }

  public Architecture architecture() {
    return config.architecture();
  }

  public int vocab() {
    return config.vocab();
  }

  public int hidden() {
    return config.hidden();
  }

  /** Rows of the segment embedding (0: none, every segment id must be 0). */
  public int segments() {
    return config.segments();
  }

  /** Total number of parameters. */
  public long parameterCount() {
    return parameters.stream().mapToLong(ParameterInfo::size).sum();
  }

  /** Forward FLOPs per token at sequence length {@code seq} (a training step is about three times). */
  public long flopsPerToken(int seq) {
    return flopsPerTokenFixed + flopsPerTokenPerPosition * seq;
  }

  /** Floats of the activation arena of a model that trains, for {@code batch} sequences of {@code seq}. */
  public long arenaFloats(int batch, int seq) {
    return arena.floats(batch, seq);
  }

  /** Floats of the activation arena of a model created for inference. */
  public long inferenceArenaFloats(int batch, int seq) {
    return inferenceArena.floats(batch, seq);
  }
}
