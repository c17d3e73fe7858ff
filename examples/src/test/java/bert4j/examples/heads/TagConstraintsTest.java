package bert4j.examples.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.decode.TagConstraints;
import java.util.List;
import org.junit.jupiter.api.Test;

/** IOB2's rules, explicit starts and ends, forbidden steps, and what a path must keep. */
class TagConstraintsTest {
  static final List<String> LABELS = List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC");

  @Test
  void iob2LetsAnInsideTagFollowOnlyItsOwnType() {
    TagConstraints rules = TagConstraints.iob2(LABELS);
    for (int from = 0; from < 5; from++) {
      for (int to = 0; to < 5; to++) {
        boolean inside = LABELS.get(to).startsWith("I-");
        boolean sameType = inside && from > 0
            && LABELS.get(from).substring(2).equals(LABELS.get(to).substring(2));
        assertEquals(!inside || sameType, rules.allows(from, to),
            LABELS.get(from) + " → " + LABELS.get(to));
      }
    }
    assertTrue(rules.canStart(0) && rules.canStart(1) && rules.canStart(3));
    assertFalse(rules.canStart(2) || rules.canStart(4), "no path starts inside an entity");
    for (int t = 0; t < 5; t++) {
      assertTrue(rules.canEnd(t));
    }
    assertTrue(rules.admits(new int[] {0, 1, 2, 2, 0, 3, 4}));
    assertFalse(rules.admits(new int[] {0, 2}), "I-PER after O");
    assertFalse(rules.admits(new int[] {1, 4}), "I-LOC after B-PER");
    assertFalse(rules.admits(new int[] {2, 2}), "starting inside");
  }

  @Test
  void startsEndsAndForbiddenStepsMakeNewRules() {
    TagConstraints none = TagConstraints.none(3);
    TagConstraints rules = none.withStarts(0).withEnds(0, 2).forbid(1, 1);
    assertTrue(rules.admits(new int[] {0, 1, 2}));
    assertFalse(rules.admits(new int[] {1, 0}), "start");
    assertFalse(rules.admits(new int[] {0, 1}), "end");
    assertFalse(rules.admits(new int[] {0, 1, 1, 0}), "1 → 1");
    assertTrue(none.admits(new int[] {1, 1, 1}), "the rules it came from are unchanged");
    assertTrue(rules.admits(new int[0]));
  }

  @Test
  void badLabelsAndTagsAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TagConstraints.iob2(List.of("O", "B-PER", "E-PER")));
    assertTrue(e.getMessage().contains("label 2 'E-PER' is not IOB2"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TagConstraints.none(3).withStarts(3));
    assertTrue(e.getMessage().contains("tag 3 is outside [0, 3)"), e.getMessage());
  }
}
