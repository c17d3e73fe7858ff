package bert4j.runtime.decode;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.train.Triple;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * GPLinker's relation decoding (bert4keras's task_relation_extraction_gplinker {@code extract_spoes})
 * from its three span heads on one sequence: the entity head (type 0 subjects, type 1 objects), and
 * the head and tail heads (one type per predicate) linking a subject's first token to its object's
 * first token and its last token to its object's last. A triple (s, p, o) is every subject s and
 * object o found by the entity head (score above the threshold) for which predicate p scores above
 * the threshold both at (s.start, o.start) in the head head and at (s.end, o.end) in the tail head.
 * Of the subjects (and of the objects) at most as many as the sequence has tokens are kept, the
 * highest-scoring: a trained head finds far fewer, an untrained one (scores around 0) would find
 * about seq²/2 of each and millions of pairs.
 * Positions are tokens; {@link SpanText} maps a span to its text, null for a span that has none (the
 * example's [CLS] and [SEP], which bert4keras excludes the same way).
 */
public final class GpLinkerDecoder {
  /** A relation by token positions: subject and object spans (inclusive) and predicate index. */
  public record Relation(int subjectStart, int subjectEnd, int predicate, int objectStart,
      int objectEnd) {}

  /** The text of tokens [start, end] (inclusive), or null when the span cannot be an entity. */
  @FunctionalInterface
  public interface SpanText {
    String text(int start, int end);
  }

  private GpLinkerDecoder() {}

  /** The relations of sequence {@code b} at threshold {@code threshold}, each once. */
  public static List<Relation> relations(FloatTensor entities, FloatTensor heads,
      FloatTensor tails, int b, double threshold) {
    int[] shape = SpanDecoder.check(entities, b);
    if (shape[1] != 2) {
      throw new IllegalArgumentException("GPLinker's entity head has 2 types (subject, object), "
          + "got " + shape[1]);
    }
    int[] headShape = SpanDecoder.check(heads, b);
    int[] tailShape = SpanDecoder.check(tails, b);
    if (headShape[1] != tailShape[1] || headShape[2] != shape[2] || tailShape[2] != shape[2]) {
      throw new IllegalArgumentException("the head and tail scores must have one type per "
          + "predicate and the entities' length: entities " + Arrays.toString(shape)
          + ", heads " + Arrays.toString(headShape) + ", tails "
          + Arrays.toString(tailShape));
    }
    int predicates = headShape[1];
    int seq = shape[2];
    List<ScoredSpan> subjects = new ArrayList<>();
    List<ScoredSpan> objects = new ArrayList<>();
    for (ScoredSpan span : SpanDecoder.decode(entities, b, threshold)) {
      (span.type() == 0 ? subjects : objects).add(span);
    }
    subjects = best(subjects, seq);
    objects = best(objects, seq);
    List<Relation> relations = new ArrayList<>();
    for (ScoredSpan s : subjects) {
      for (ScoredSpan o : objects) {
        for (int p = 0; p < predicates; p++) {
          float head = heads.data()[((b * predicates + p) * seq + s.start()) * seq + o.start()];
          float tail = tails.data()[((b * predicates + p) * seq + s.end()) * seq + o.end()];
          if (head > threshold && tail > threshold) {
            relations.add(new Relation(s.start(), s.end(), p, o.start(), o.end()));
          }
        }
      }
    }
    return relations;
  }

  /**
   * The {@code limit} highest-scoring of {@code spans} (all of them when there are no more), so an
   * untrained head scoring most cells above the threshold cannot make the pairs of subjects and
   * objects grow as seq⁴.
   */
  private static List<ScoredSpan> best(List<ScoredSpan> spans, int limit) {
    if (spans.size() <= limit) {
      return spans;
    }
    List<ScoredSpan> sorted = new ArrayList<>(spans);
    sorted.sort(Comparator.comparingDouble(ScoredSpan::score).reversed());
    return sorted.subList(0, limit);
  }

  /**
   * The triples of sequence {@code b} (threshold 0): each relation's subject and object as
   * {@code text} gives them and its predicate's name; relations with a span without text are left
   * out, a triple found twice is kept once.
   */
  public static Set<Triple> triples(FloatTensor entities, FloatTensor heads, FloatTensor tails,
      int b, List<String> predicates, SpanText text) {
    Set<Triple> triples = new LinkedHashSet<>();
    for (Relation r : relations(entities, heads, tails, b, SpanDecoder.DEFAULT_THRESHOLD)) {
      String subject = text.text(r.subjectStart(), r.subjectEnd());
      String object = text.text(r.objectStart(), r.objectEnd());
      if (subject != null && object != null) {
        triples.add(new Triple(subject, predicates.get(r.predicate()), object));
      }
    }
    return triples;
  }
}
