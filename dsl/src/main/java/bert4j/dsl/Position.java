package bert4j.dsl;

/** How positions enter the model. */
public enum Position {
  /** A learned absolute position embedding of {@code maxPosition} rows, added to the token embedding. */
  LEARNED
}
