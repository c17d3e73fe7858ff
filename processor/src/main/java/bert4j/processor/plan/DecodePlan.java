package bert4j.processor.plan;

import java.util.List;
import java.util.Map;

/**
 * The incremental decoding pass of a spec that decodes ({@code ModelSpec.decodes()}): its calls in
 * order (forward only, at inference), each of its buffers' arena columns, each layer's input, and the
 * buffer of the logits. Its buffers are placed by liveness over its own calls; the decoding pass and
 * the training timeline never run together, so both share the one arena, whose width per extent is
 * the larger of the two.
 */
public record DecodePlan(List<Call> calls, Map<Buffer, Column> columns,
    List<Plan.LayerPorts> layers, Buffer logits, int tokenWidth, int sequenceWidth,
    List<Buffer> encodedCaches, Buffer startLogits) {
  public DecodePlan {
    calls = List.copyOf(calls);
    columns = Map.copyOf(columns);
    layers = List.copyOf(layers);
    encodedCaches = List.copyOf(encodedCaches);
  }

  /** Whether the layers' decoding runs in the generated {@code Layer} class (not T5's decoder). */
  public boolean layered() {
    return !layers.isEmpty();
  }

  /**
   * Whether this is an encoder–decoder's decoding (T5): the forward pass starts it, leaving each
   * decoder layer's self and cross keys and values in {@code encodedCaches} (self key, self value,
   * cross key, cross value per layer) and the first logits in {@code startLogits}.
   */
  public boolean seq2seq() {
    return !encodedCaches.isEmpty();
  }
}
