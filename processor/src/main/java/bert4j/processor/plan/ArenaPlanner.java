package bert4j.processor.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Places activation buffers in the arena by liveness. The copies of one layer buffer in every layer
 * form a family placed as one block of {@code slots} copies, the fewest such that copies sharing a slot
 * are never live together (usually 1 for what a layer uses only inside its own forward or backward,
 * 2 for a gradient handed from a layer to the one below, the layer count for what the backward keeps).
 * A global buffer is a family of one. Families share columns only when their lives do not overlap;
 * first fit, in order of first use.
 */
final class ArenaPlanner {
  private ArenaPlanner() {}

  /** Each buffer's column and each extent's region width. */
  record Placement(Map<Buffer, Column> columns, Map<Extent, Integer> widths) {}

  private record Family(String key, Extent extent, int width, int slots, List<int[]> life,
      List<Buffer> members) {}

  static Placement place(List<Call> calls, Set<Buffer> outputs, int layers) {
    return place(calls, outputs, layers, Map.of());
  }

  /**
   * As {@link #place(List, Set, int)}, with each key of {@code aliases} taking the column of the
   * buffer it maps to instead of one of its own.
   */
  static Placement place(List<Call> calls, Set<Buffer> outputs, int layers,
      Map<Buffer, Buffer> aliases) {
    Map<Buffer, List<int[]>> lives = Liveness.of(calls, outputs, aliases);
    Map<String, List<Buffer>> grouped = new LinkedHashMap<>();
    for (Buffer b : lives.keySet()) {
      String key = b.layer() == Buffer.GLOBAL ? "global " + b.name() : "layer " + b.name();
      grouped.computeIfAbsent(key, k -> new ArrayList<>()).add(b);
    }
    List<Family> families = new ArrayList<>();
    for (Map.Entry<String, List<Buffer>> group : grouped.entrySet()) {
      List<Buffer> members = group.getValue();
      Buffer first = members.get(0);
      for (Buffer b : members) {
        if (b.extent() != first.extent() || b.width() != first.width()) {
          throw new IllegalStateException("buffer " + b.name() + " is planned with two sizes: "
              + first + " and " + b);
        }
      }
      int slots = first.layer() == Buffer.GLOBAL ? 1 : slots(members, lives, layers);
      List<int[]> life = new ArrayList<>();
      for (Buffer b : members) {
        life.addAll(lives.get(b));
      }
      families.add(new Family(group.getKey(), first.extent(), first.width(), slots, merge(life),
          members));
    }
    families.sort(Comparator.comparingInt(f -> f.life().get(0)[0]));

    Map<Buffer, Column> columns = new LinkedHashMap<>();
    Map<Extent, Integer> widths = new EnumMap<>(Extent.class);
    for (Extent e : Extent.values()) {
      widths.put(e, 0);
    }
    List<Family> placed = new ArrayList<>();
    Map<Family, Integer> base = new LinkedHashMap<>();
    for (Family f : families) {
      int span = f.slots() * f.width();
      int column = 0;
      boolean moved = true;
      while (moved) {
        moved = false;
        for (Family other : placed) {
          int otherBase = base.get(other);
          int otherSpan = other.slots() * other.width();
          boolean overlap = column < otherBase + otherSpan && otherBase < column + span;
          if (other.extent() == f.extent() && overlap && together(other.life(), f.life())) {
            column = otherBase + otherSpan;
            moved = true;
          }
        }
      }
      placed.add(f);
      base.put(f, column);
      widths.merge(f.extent(), column + span, Math::max);
      for (Buffer b : f.members()) {
        columns.put(b, new Column(column, f.slots(), f.width()));
      }
    }
    for (Map.Entry<Buffer, Buffer> alias : aliases.entrySet()) {
      Column shared = columns.get(alias.getValue());
      if (shared != null) {
        columns.put(alias.getKey(), shared);
      }
    }
    return new Placement(columns, widths);
  }

  /** The fewest slots such that the copies of layers l and l' with l ≡ l' (mod slots) never overlap. */
  private static int slots(List<Buffer> members, Map<Buffer, List<int[]>> lives, int layers) {
    for (int slots = 1; slots < layers; slots++) {
      boolean ok = true;
      for (int i = 0; i < members.size() && ok; i++) {
        for (int j = i + 1; j < members.size() && ok; j++) {
          Buffer a = members.get(i);
          Buffer b = members.get(j);
          if (a.layer() % slots == b.layer() % slots) {
            ok = !together(merge(lives.get(a)), merge(lives.get(b)));
          }
        }
      }
      if (ok) {
        return slots;
      }
    }
    return Math.max(1, layers);
  }

  /** The union of intervals as sorted, disjoint intervals. */
  private static List<int[]> merge(List<int[]> intervals) {
    List<int[]> sorted = new ArrayList<>(intervals);
    sorted.sort(Comparator.comparingInt(a -> a[0]));
    List<int[]> merged = new ArrayList<>();
    for (int[] in : sorted) {
      int[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
      if (last != null && in[0] <= last[1]) {
        last[1] = Math.max(last[1], in[1]);
      } else {
        merged.add(new int[] {in[0], in[1]});
      }
    }
    return merged;
  }

  /** Whether two sorted, disjoint interval lists share a call. */
  private static boolean together(List<int[]> a, List<int[]> b) {
    int i = 0;
    int j = 0;
    while (i < a.size() && j < b.size()) {
      int[] x = a.get(i);
      int[] y = b.get(j);
      if (x[0] <= y[1] && y[0] <= x[1]) {
        return true;
      }
      if (x[1] < y[1]) {
        i++;
      } else {
        j++;
      }
    }
    return false;
  }
}
