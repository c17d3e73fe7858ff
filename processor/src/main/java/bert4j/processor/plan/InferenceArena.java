package bert4j.processor.plan;

import java.util.List;
import java.util.Map;

/**
 * The arena of a model created for inference: the forward's calls that run outside training (
 * {@link #calls}) placed by liveness over themselves alone, with no backward to keep activations for,
 * and the decoding pass (where the spec decodes) in the same arena, whose width per extent is the
 * larger of the two.
 */
public record InferenceArena(Map<Buffer, Column> columns, int tokenWidth, int sequenceWidth,
    int pairWidth) {
  public InferenceArena {
    columns = Map.copyOf(columns);
  }

  /** The forward calls an inference model runs: every one but the training-only ones. */
  public static List<Call> calls(List<Call> forward) {
    return forward.stream().filter(c -> !c.trainingOnly()).toList();
  }

  /** Bytes of the arena for {@code batch} sequences of length {@code seq}. */
  public long bytes(int batch, int seq) {
    long tokens = (long) batch * seq;
    return 4L * (tokenWidth * tokens + sequenceWidth * (long) batch + pairWidth * tokens * seq);
  }
}
