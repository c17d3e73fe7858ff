package bert4j.processor.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The live intervals of every buffer over a sequence of calls: a call that writes a buffer without
 * reading it starts a new value (a new interval), a call that reads it (or updates it) extends the
 * current one. Outputs stay live from their first write to the end, never lent to another buffer (a
 * recomputed layer rewrites its output with the same values), so they can be read after a step.
 */
public final class Liveness {
  private Liveness() {}

  /** Each buffer's intervals [first, last] (call indices, inclusive), in order of first use. */
  public static Map<Buffer, List<int[]>> of(List<Call> calls, Set<Buffer> outputs) {
    return of(calls, outputs, Map.of());
  }

  /**
   * As {@link #of(List, Set)}, with each key of {@code aliases} counted as the buffer it maps to (it
   * shares that buffer's memory) and given no intervals of its own.
   */
  public static Map<Buffer, List<int[]>> of(List<Call> calls, Set<Buffer> outputs,
      Map<Buffer, Buffer> aliases) {
    Map<Buffer, List<int[]>> lives = new LinkedHashMap<>();
    for (int i = 0; i < calls.size(); i++) {
      Map<Buffer, Boolean> reads = new LinkedHashMap<>();
      for (Arg arg : calls.get(i).args()) {
        if (arg instanceof Arg.Buf b) {
          reads.merge(aliases.getOrDefault(b.buffer(), b.buffer()), b.access() != Access.WRITE,
              Boolean::logicalOr);
        }
      }
      for (Map.Entry<Buffer, Boolean> use : reads.entrySet()) {
        List<int[]> intervals = lives.computeIfAbsent(use.getKey(), b -> new ArrayList<>());
        if (use.getValue()) {
          if (intervals.isEmpty()) {
            throw new IllegalStateException(calls.get(i).kernel() + " (call " + i + ") reads "
                + use.getKey().id() + " before anything writes it");
          }
          intervals.get(intervals.size() - 1)[1] = i;
        } else {
          intervals.add(new int[] {i, i});
        }
      }
    }
    for (Buffer out : outputs) {
      List<int[]> intervals = lives.get(out);
      if (intervals == null) {
        throw new IllegalStateException("output " + out.id() + " is never written");
      }
      int first = intervals.get(0)[0];
      intervals.clear();
      intervals.add(new int[] {first, calls.size() - 1});
    }
    return lives;
  }
}
