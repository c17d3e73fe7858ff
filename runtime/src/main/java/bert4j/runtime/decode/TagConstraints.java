package bert4j.runtime.decode;

import java.util.Arrays;
import java.util.List;

/**
 * Which tag paths a decoder may return: whether tag j may follow tag i, and which tags may start and
 * end a path (bert4keras's {@code ViterbiDecoder(trans, starts, ends)}). The rules of a tagging
 * scheme are transitions it forbids: {@link #iob2} lets I-X follow only B-X or I-X. Immutable; each
 * {@code with}/{@code forbid} returns a new set of rules.
 */
public final class TagConstraints {
  private final boolean[][] allowed;
  private final boolean[] starts;
  private final boolean[] ends;

  private TagConstraints(boolean[][] allowed, boolean[] starts, boolean[] ends) {
    this.allowed = allowed;
    this.starts = starts;
    this.ends = ends;
  }

  /** Every path of {@code tags} tags. */
  public static TagConstraints none(int tags) {
    if (tags < 1) {
      throw new IllegalArgumentException("tags must be at least 1, got " + tags);
    }
    boolean[][] allowed = new boolean[tags][tags];
    for (boolean[] row : allowed) {
      Arrays.fill(row, true);
    }
    boolean[] all = new boolean[tags];
    Arrays.fill(all, true);
    return new TagConstraints(allowed, all, all.clone());
  }

  /**
   * IOB2 over {@code labels} (tag i is labels[i]: "O", "B-X" or "I-X"): an I-X tag may not start a
   * path, nor follow O or a B-Y or I-Y of another type Y. Any other label is an
   * {@link IllegalArgumentException} naming it.
   */
  public static TagConstraints iob2(List<String> labels) {
    int n = labels.size();
    String[] types = new String[n];
    boolean[] inside = new boolean[n];
    for (int i = 0; i < n; i++) {
      String label = labels.get(i);
      if (label == null || !label.equals("O") && !label.matches("[BI]-.+")) {
        throw new IllegalArgumentException("label " + i + " '" + label + "' is not IOB2: use O, "
            + "B-TYPE or I-TYPE");
      }
      types[i] = label.equals("O") ? null : label.substring(2);
      inside[i] = label.startsWith("I-");
    }
    TagConstraints c = none(n);
    for (int j = 0; j < n; j++) {
      if (!inside[j]) {
        continue;
      }
      c.starts[j] = false;
      for (int i = 0; i < n; i++) {
        c.allowed[i][j] = types[j].equals(types[i]);
      }
    }
    return c;
  }

  /** These rules, with tag {@code to} no longer allowed right after tag {@code from}. */
  public TagConstraints forbid(int from, int to) {
    TagConstraints c = copy();
    c.allowed[check(from)][check(to)] = false;
    return c;
  }

  /** These rules, with only {@code tags} allowed at the first position. */
  public TagConstraints withStarts(int... tags) {
    TagConstraints c = copy();
    Arrays.fill(c.starts, false);
    for (int t : tags) {
      c.starts[check(t)] = true;
    }
    return c;
  }

  /** These rules, with only {@code tags} allowed at the last position. */
  public TagConstraints withEnds(int... tags) {
    TagConstraints c = copy();
    Arrays.fill(c.ends, false);
    for (int t : tags) {
      c.ends[check(t)] = true;
    }
    return c;
  }

  /** The number of tags. */
  public int tags() {
    return starts.length;
  }

  /** Whether tag {@code to} may follow tag {@code from}. */
  public boolean allows(int from, int to) {
    return allowed[from][to];
  }

  /** Whether a path may start with {@code tag}. */
  public boolean canStart(int tag) {
    return starts[tag];
  }

  /** Whether a path may end with {@code tag}. */
  public boolean canEnd(int tag) {
    return ends[tag];
  }

  /** Whether {@code path} keeps every rule (an empty path does). */
  public boolean admits(int[] path) {
    if (path.length == 0) {
      return true;
    }
    for (int t = 1; t < path.length; t++) {
      if (!allowed[path[t - 1]][path[t]]) {
        return false;
      }
    }
    return starts[path[0]] && ends[path[path.length - 1]];
  }

  private int check(int tag) {
    if (tag < 0 || tag >= tags()) {
      throw new IllegalArgumentException("tag " + tag + " is outside [0, " + tags() + ")");
    }
    return tag;
  }

  private TagConstraints copy() {
    boolean[][] a = new boolean[allowed.length][];
    for (int i = 0; i < a.length; i++) {
      a[i] = allowed[i].clone();
    }
    return new TagConstraints(a, starts.clone(), ends.clone());
  }
}
