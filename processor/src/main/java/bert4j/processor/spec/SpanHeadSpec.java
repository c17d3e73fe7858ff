package bert4j.processor.spec;

/**
 * One {@code @SpanHead} of a spec, validated: its name, span types, q/k width and options (see
 * {@code bert4j.dsl.SpanHead}).
 */
public record SpanHeadSpec(String name, int types, int headSize, boolean rope, boolean tril,
    boolean useBias, boolean efficient) {}
