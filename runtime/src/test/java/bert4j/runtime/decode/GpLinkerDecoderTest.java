package bert4j.runtime.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.decode.GpLinkerDecoder.Relation;
import bert4j.runtime.train.Triple;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * GPLinker's decoding from hand-built grids of the sentence "[CLS] 张 三 写 了 红 楼 [SEP]"
 * (positions 0 to 7): subject 张三 (1–2), objects 红楼 (5–6) and 三 (2–2); predicates 作者 (0)
 * and 朋友 (1).
 */
class GpLinkerDecoderTest {
  private static final int SEQ = 8;
  private static final List<String> PREDICATES = List.of("作者", "朋友");
  private static final String SENTENCE = "张三写了红楼";

  private static FloatTensor grid(int types) {
    float[] data = new float[types * SEQ * SEQ];
    Arrays.fill(data, -3f);
    return new FloatTensor(new int[] {1, types, SEQ, SEQ}, data);
  }

  private static void set(FloatTensor scores, int t, int i, int j, float value) {
    scores.data()[(t * SEQ + i) * SEQ + j] = value;
  }

  private static String text(int i, int j) {
    return i < 1 || j > SENTENCE.length() ? null : SENTENCE.substring(i - 1, j);
  }

  @Test
  void aTripleNeedsItsEntitiesAndBothLinks() {
    FloatTensor entities = grid(2);
    FloatTensor heads = grid(2);
    FloatTensor tails = grid(2);
    set(entities, 0, 1, 2, 4f);
    set(entities, 1, 5, 6, 2f);
    set(entities, 1, 2, 2, 1f);
    set(heads, 0, 1, 5, 3f);
    set(tails, 0, 2, 6, 3f);
    // 朋友 links the heads of 张三 and 三 but not their tails: no triple.
    set(heads, 1, 1, 2, 3f);
    // 朋友 links the tails of 张三 and 红楼 but not their heads: no triple.
    set(tails, 1, 2, 6, 3f);
    assertEquals(List.of(new Relation(1, 2, 0, 5, 6)),
        GpLinkerDecoder.relations(entities, heads, tails, 0, 0));
    assertEquals(Set.of(new Triple("张三", "作者", "红楼")),
        GpLinkerDecoder.triples(entities, heads, tails, 0, PREDICATES,
            GpLinkerDecoderTest::text));
  }

  @Test
  void bothLinksFoundGiveTheTripleForEverySubjectObjectPair() {
    FloatTensor entities = grid(2);
    FloatTensor heads = grid(2);
    FloatTensor tails = grid(2);
    set(entities, 0, 1, 2, 4f);
    set(entities, 1, 5, 6, 2f);
    set(entities, 1, 2, 2, 1f);
    set(heads, 0, 1, 5, 3f);
    set(tails, 0, 2, 6, 3f);
    set(heads, 1, 1, 2, 3f);
    set(tails, 1, 2, 2, 0.5f);
    assertEquals(Set.of(new Triple("张三", "作者", "红楼"), new Triple("张三", "朋友", "三")),
        GpLinkerDecoder.triples(entities, heads, tails, 0, PREDICATES,
            GpLinkerDecoderTest::text));
    assertEquals(List.of(new Relation(1, 2, 0, 5, 6)),
        GpLinkerDecoder.relations(entities, heads, tails, 0, 1.0));
  }

  /** A subject on [CLS] has no text: its triples are left out, as bert4keras masks [CLS]. */
  @Test
  void spansWithoutTextAreLeftOut() {
    FloatTensor entities = grid(2);
    FloatTensor heads = grid(2);
    FloatTensor tails = grid(2);
    set(entities, 0, 0, 2, 4f);
    set(entities, 1, 5, 6, 2f);
    set(heads, 0, 0, 5, 3f);
    set(tails, 0, 2, 6, 3f);
    assertEquals(1, GpLinkerDecoder.relations(entities, heads, tails, 0, 0).size());
    assertEquals(Set.of(), GpLinkerDecoder.triples(entities, heads, tails, 0, PREDICATES,
        GpLinkerDecoderTest::text));
  }

  @Test
  void mismatchedHeadsAreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GpLinkerDecoder.relations(grid(3), grid(2), grid(2), 0, 0));
    assertTrue(e.getMessage().contains("entity head has 2 types (subject, object), got 3"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> GpLinkerDecoder.relations(grid(2), grid(2), grid(1), 0, 0));
    assertTrue(e.getMessage().contains("one type per predicate"), e.getMessage());
  }

  /**
   * Scores above 0 everywhere (an untrained head): of the 36 spans of each type, the 8 best
   * subjects and objects are kept, so at most 8 · 8 · 2 relations.
   */
  @Test
  void anUntrainedHeadKeepsTheBestSpansOnly() {
    FloatTensor entities = grid(2);
    FloatTensor heads = grid(2);
    FloatTensor tails = grid(2);
    for (FloatTensor g : List.of(entities, heads, tails)) {
      for (int c = 0; c < g.data().length; c++) {
        g.data()[c] = 1 + c % 7;
      }
    }
    set(entities, 0, 1, 2, 50f);
    set(entities, 1, 5, 6, 50f);
    List<GpLinkerDecoder.Relation> relations =
        GpLinkerDecoder.relations(entities, heads, tails, 0, 0);
    assertEquals(8 * 8 * 2, relations.size());
    assertTrue(relations.contains(new GpLinkerDecoder.Relation(1, 2, 0, 5, 6)));
  }
}
