package bert4j.processor.heads;

/**
 * A task head on the encoder's sequence output. It declares its parameters, records its forward ops
 * on the tape, names its outputs and, when it trains, its loss (a loss op and the targets it reads from
 * a batch) through the {@link HeadContext}. Its backward is derived like the encoder's.
 */
public interface Head {
  void build(HeadContext context);
}
