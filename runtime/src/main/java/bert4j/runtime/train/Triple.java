package bert4j.runtime.train;

/**
 * A relation triple (subject, predicate, object), as relation-extraction evaluators (DuIE,
 * bert4keras's GPLinker example) compare them: by the subject's and object's text and the
 * predicate's name. Counted by {@link ExtractionF1}.
 */
public record Triple(String subject, String predicate, String object) {
  public Triple {
    if (subject == null || predicate == null || object == null) {
      throw new IllegalArgumentException("a triple needs a subject, a predicate and an object, "
          + "got (" + subject + ", " + predicate + ", " + object + ")");
    }
  }
}
