package bert4j.runtime.io;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** The names nearest to a wanted one by edit distance, for "no such tensor" messages. */
final class ClosestNames {
  private ClosestNames() {}

  /** Up to {@code limit} of {@code names}, nearest to {@code wanted} first (ties in the given order). */
  static List<String> closest(String wanted, Collection<String> names, int limit) {
    return names.stream()
        .sorted(Comparator.comparingInt(name -> editDistance(wanted, name)))
        .limit(limit)
        .toList();
  }

  /** Levenshtein distance: insertions, deletions and substitutions of chars. */
  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
