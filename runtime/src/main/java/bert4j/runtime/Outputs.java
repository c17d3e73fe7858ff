package bert4j.runtime;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What a forward pass returns: each output of the model by name ({@code sequence_output} always, then
 * one or more per head: {@code pooled_output}, {@code mlm_logits}, {@code class_logits},
 * {@code token_class_logits}, ...), in the order the heads declare them. The generated model class also
 * has one typed accessor per output ({@code model.classLogits()}), reading only that output.
 */
public final class Outputs {
  private final Map<String, FloatTensor> byName;

  public Outputs(Map<String, FloatTensor> byName) {
    this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
  }

  /** The output {@code name}; an unknown name is an error that lists the model's outputs. */
  public FloatTensor get(String name) {
    FloatTensor t = byName.get(name);
    if (t == null) {
      throw new IllegalArgumentException("no output '" + name + "'; this model has " + names());
    }
    return t;
  }

  /** The names of the outputs, in order. */
  public Set<String> names() {
    return byName.keySet();
  }

  /** Every output by name, in order (what the verification CLI writes). */
  public Map<String, FloatTensor> asMap() {
    return byName;
  }

  /** {@code [batch, seq, hidden]}: the encoder's output. */
  public FloatTensor sequenceOutput() {
    return byName.get("sequence_output");
  }

  /** {@code [batch, hidden]}, or null without a pooler. */
  public FloatTensor pooledOutput() {
    return byName.get("pooled_output");
  }

  /** {@code [batch, seq, vocab]}, or null without an MLM head. */
  public FloatTensor mlmLogits() {
    return byName.get("mlm_logits");
  }

  /** {@code [batch, classes]}, or null without a classification head. */
  public FloatTensor classLogits() {
    return byName.get("class_logits");
  }

  /** {@code [batch, seq, tokenClasses]}, or null without a token-classification head. */
  public FloatTensor tokenClassLogits() {
    return byName.get("token_class_logits");
  }
}
