package bert4j.processor.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Places activation buffers in the arena by liveness: a buffer lives from the first call that touches
 * it to the last (over forward then backward; outputs stay alive to the end, so a training step's
 * outputs can be read after its backward), and two
 * buffers of the same extent share columns only when their lives do not overlap. First fit, in order
 * of first use.
 */
final class ArenaPlanner {
  private ArenaPlanner() {}

  /** The placed buffers (in order of first use) and each extent's region width. */
  record Placement(List<Buffer> buffers, Map<Extent, Integer> widths) {}

  static Placement place(List<Call> forward, List<Call> backward, List<Buffer> outputs) {
    List<Call> all = new ArrayList<>(forward);
    all.addAll(backward);
    Map<String, Buffer> byName = new LinkedHashMap<>();
    Map<String, int[]> life = new LinkedHashMap<>();
    for (int i = 0; i < all.size(); i++) {
      for (Buffer b : all.get(i).buffers()) {
        Buffer known = byName.putIfAbsent(b.name(), b);
        if (known != null && (known.width() != b.width() || known.extent() != b.extent())) {
          throw new IllegalStateException("buffer " + b.name() + " planned with two sizes");
        }
        int step = i;
        life.computeIfAbsent(b.name(), n -> new int[] {step, step})[1] = step;
      }
    }
    for (Buffer output : outputs) {
      life.get(output.name())[1] = all.size() - 1;
    }
    List<Buffer> placed = new ArrayList<>();
    Map<Extent, Integer> widths = new EnumMap<>(Extent.class);
    for (Extent e : Extent.values()) {
      widths.put(e, 0);
    }
    List<Buffer> order = new ArrayList<>(byName.values());
    order.sort(Comparator.comparingInt(b -> life.get(b.name())[0]));
    for (Buffer b : order) {
      int[] span = life.get(b.name());
      int column = 0;
      boolean moved = true;
      while (moved) {
        moved = false;
        for (Buffer other : placed) {
          int[] otherSpan = life.get(other.name());
          boolean liveTogether = otherSpan[0] <= span[1] && span[0] <= otherSpan[1];
          boolean overlap = column < other.column() + other.width()
              && other.column() < column + b.width();
          if (other.extent() == b.extent() && liveTogether && overlap) {
            column = other.column() + other.width();
            moved = true;
          }
        }
      }
      Buffer at = b.placedAt(column);
      placed.add(at);
      widths.merge(b.extent(), column + b.width(), Math::max);
    }
    return new Placement(placed, widths);
  }
}
