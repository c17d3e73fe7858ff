package bert4j.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a forward pass returns: the sequence output always, the other outputs where the spec has the
 * head (null otherwise). Names in {@link #asMap()} are the ones the verification CLI writes.
 */
public record Outputs(FloatTensor sequenceOutput, FloatTensor pooledOutput, FloatTensor mlmLogits,
    FloatTensor classLogits) {

  /** The present outputs by name: sequence_output, pooled_output, mlm_logits, class_logits. */
  public Map<String, FloatTensor> asMap() {
    Map<String, FloatTensor> map = new LinkedHashMap<>();
    map.put("sequence_output", sequenceOutput);
    if (pooledOutput != null) {
      map.put("pooled_output", pooledOutput);
    }
    if (mlmLogits != null) {
      map.put("mlm_logits", mlmLogits);
    }
    if (classLogits != null) {
      map.put("class_logits", classLogits);
    }
    return map;
  }
}
