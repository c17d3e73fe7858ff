package bert4j.processor.plan;

import bert4j.processor.ops.ForwardOp;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The arena of a model created for inference: the forward's calls that run outside training (
 * {@link #calls}) placed by liveness over themselves alone, with no backward to keep activations for
 * and without the buffers only a backward would read ({@link #aliases}), and the decoding pass (where the spec decodes) in the same arena, whose width per extent is the
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

  /**
   * The buffers that share another's memory at inference ({@code ForwardOp.inferenceAliases}): each
   * only where no other call touches it and it is not an output, so nothing reads what it would
   * have held.
   */
  public static Map<Buffer, Buffer> aliases(List<Call> calls, Set<Buffer> outputs) {
    Map<Buffer, Integer> uses = new HashMap<>();
    for (Call c : calls) {
      for (Buffer b : new HashSet<>(c.buffers())) {
        uses.merge(b, 1, Integer::sum);
      }
    }
    Map<Buffer, Buffer> aliases = new LinkedHashMap<>();
    for (Call c : calls) {
      if (c.op() instanceof ForwardOp op) {
        for (Map.Entry<Buffer, Buffer> alias : op.inferenceAliases().entrySet()) {
          Buffer b = alias.getKey();
          if (uses.get(b) == 1 && !outputs.contains(b)) {
            aliases.put(b, alias.getValue());
          }
        }
      }
    }
    return aliases;
  }

  /** Bytes of the arena for {@code batch} sequences of length {@code seq}. */
  public long bytes(int batch, int seq) {
    long tokens = (long) batch * seq;
    return 4L * (tokenWidth * tokens + sequenceWidth * (long) batch + pairWidth * tokens * seq);
  }
}
