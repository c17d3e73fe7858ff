package bert4j.processor.heads;

import bert4j.processor.plan.Buffer;

/**
 * An output of the model: its name in {@code Outputs} ({@code class_logits}), the generated accessor
 * method ({@code classLogits()}), and the buffer holding it after a forward pass ({@code [batch, width]}
 * for a per-sequence buffer, {@code [batch, seq, width]} for a per-token one, {@code [batch, width,
 * seq, seq]} for a per-pair one).
 */
public record HeadOutput(String name, String accessor, Buffer buffer) {}
