package bert4j.runtime.decode;

/**
 * A span a span head found: its type (index), first and last token (both inclusive) and score.
 */
public record ScoredSpan(int type, int start, int end, float score) {}
