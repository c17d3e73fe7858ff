package bert4j.processor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import bert4j.processor.ops.DropoutBackward;
import bert4j.processor.ops.Fill;
import bert4j.processor.ops.KernelOp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ArenaPlanner on hand-made call lists, where the right placement is known: buffers share columns
 * exactly when their def–use lives (a write starts a value, reads extend it) do not overlap, first
 * fit in order of first use; a layer buffer's copies form one family with as few slots as keep
 * copies that are live together apart.
 */
class ArenaPlannerTest {
  private static final int LAYERS = 3;

  private static Buffer tokens(String name, int width) {
    return new Buffer(name, Buffer.GLOBAL, Extent.TOKENS, width);
  }

  private static Buffer layer(String name, int layer, int width) {
    return new Buffer(name, layer, Extent.TOKENS, width);
  }

  private static Call call(KernelOp op, int layer) {
    return new Call(op, null, layer, false, -1);
  }

  /** Writes {@code b} without reading it: a new value. */
  private static Call write(Buffer b) {
    return call(new Fill(b, 0f), b.layer());
  }

  /** Reads {@code from}, writes {@code to} (a new value of it). */
  private static Call map(Buffer from, Buffer to) {
    return call(new DropoutBackward(from, to, 0.5f, -1), to.layer());
  }

  /** Reads and writes {@code b} in place: extends its current value. */
  private static Call update(Buffer b) {
    return call(new DropoutBackward(b, b, 0.5f, -1), b.layer());
  }

  private static ArenaPlanner.Placement place(List<Call> calls, Set<Buffer> outputs, int layers) {
    ArenaPlanner.Placement p = ArenaPlanner.place(calls, outputs, layers);
    assertLiveBuffersApart(calls, outputs, p);
    return p;
  }

  /** Each buffer's column (of its layer's copy), by id. */
  private static Map<String, Integer> columns(ArenaPlanner.Placement placement) {
    Map<String, Integer> columns = new TreeMap<>();
    placement.columns().forEach((b, c) -> columns.put(b.id(), c.of(b.layer())));
    return columns;
  }

  /**
   * The def–use intervals of every buffer, computed here, not by Liveness: a call that only writes a
   * buffer starts a value, a call that reads or updates it extends the current one; outputs live to
   * the last call.
   */
  private static Map<Buffer, List<int[]>> lives(List<Call> calls, Set<Buffer> outputs) {
    Map<Buffer, List<int[]>> lives = new LinkedHashMap<>();
    for (int i = 0; i < calls.size(); i++) {
      Set<Buffer> written = new LinkedHashSet<>();
      Set<Buffer> read = new LinkedHashSet<>();
      for (Arg a : calls.get(i).args()) {
        if (a instanceof Arg.Buf b) {
          (b.access() == Access.WRITE ? written : read).add(b.buffer());
        }
      }
      for (Buffer b : read) {
        List<int[]> values = lives.get(b);
        values.get(values.size() - 1)[1] = i;
      }
      written.removeAll(read);
      for (Buffer b : written) {
        lives.computeIfAbsent(b, x -> new ArrayList<>()).add(new int[] {i, i});
      }
    }
    for (Buffer out : outputs) {
      List<int[]> values = lives.get(out);
      values.get(values.size() - 1)[1] = calls.size() - 1;
    }
    return lives;
  }

  /** No two buffers of one region that are live at the same call share a column; all fit the region. */
  private static void assertLiveBuffersApart(List<Call> calls, Set<Buffer> outputs,
      ArenaPlanner.Placement p) {
    Map<Buffer, List<int[]>> lives = lives(calls, outputs);
    assertEquals(lives.keySet(), p.columns().keySet(), "every used buffer is placed");
    List<Buffer> buffers = new ArrayList<>(lives.keySet());
    for (Buffer b : buffers) {
      int c = p.columns().get(b).of(b.layer());
      assertTrue(c >= 0 && c + b.width() <= p.widths().get(b.extent()), b.id() + " fits its region");
    }
    for (int i = 0; i < buffers.size(); i++) {
      for (int j = i + 1; j < buffers.size(); j++) {
        Buffer a = buffers.get(i);
        Buffer b = buffers.get(j);
        int ca = p.columns().get(a).of(a.layer());
        int cb = p.columns().get(b).of(b.layer());
        boolean overlap = a.extent() == b.extent() && ca < cb + b.width() && cb < ca + a.width();
        if (!overlap) {
          continue;
        }
        for (int[] x : lives.get(a)) {
          for (int[] y : lives.get(b)) {
            if (x[0] <= y[1] && y[0] <= x[1]) {
              fail(a.id() + " at " + ca + " (live " + x[0] + ".." + x[1] + ") overlaps " + b.id()
                  + " at " + cb + " (live " + y[0] + ".." + y[1] + ")");
            }
          }
        }
      }
    }
  }

  @Test
  void aChainReusesEveryOtherBuffer() {
    Buffer a = tokens("a", 4);
    Buffer b = tokens("b", 4);
    Buffer c = tokens("c", 4);
    Buffer d = tokens("d", 4);
    // a → b → c → d: a dies when c is born, b when d is.
    ArenaPlanner.Placement p = place(List.of(write(a), map(a, b), map(b, c), map(c, d)), Set.of(d),
        1);
    assertEquals(Map.of("a", 0, "b", 4, "c", 0, "d", 4), columns(p));
    assertEquals(8, p.widths().get(Extent.TOKENS));
  }

  @Test
  void firstFitTakesTheLowestFreeColumns() {
    Buffer wide = tokens("wide", 6);
    Buffer narrow = tokens("narrow", 2);
    Buffer keep = tokens("keep", 3);
    Buffer late = tokens("late", 5);
    // wide dies at call 1; keep lives on; late (5 wide) fits in wide's 6 columns below keep.
    ArenaPlanner.Placement p = place(List.of(write(wide), map(wide, narrow), map(narrow, keep),
        map(keep, late), update(keep)), Set.of(late), 1);
    assertEquals(Map.of("wide", 0, "narrow", 6, "keep", 0, "late", 3), columns(p));
    assertEquals(8, p.widths().get(Extent.TOKENS));
  }

  @Test
  void aBufferUsedAgainInTheBackwardStaysAlive() {
    Buffer x = tokens("x", 2);
    Buffer y = tokens("y", 2);
    Buffer z = tokens("z", 2);
    Buffer dz = tokens("dz", 2);
    // x is saved for the backward, so z (born after x's forward use) cannot take its columns;
    // dz is born after y's last use and takes y's.
    ArenaPlanner.Placement p = place(List.of(write(x), map(x, y), map(y, z), map(x, dz)), Set.of(z),
        1);
    assertEquals(Map.of("x", 0, "y", 2, "z", 4, "dz", 2), columns(p));
    assertEquals(6, p.widths().get(Extent.TOKENS));
  }

  @Test
  void aWriteStartsANewValueAndFreesTheGapBefore() {
    Buffer a = tokens("a", 4);
    Buffer b = tokens("b", 4);
    Buffer c = tokens("c", 4);
    Buffer d = tokens("d", 4);
    Buffer e = tokens("e", 4);
    // a holds two values, [0, 1] and [4, 5]; c lives in the gap between them and takes a's columns.
    List<Call> calls = List.of(write(a), map(a, b), write(c), map(c, d), write(a), map(a, e));
    ArenaPlanner.Placement p = place(calls, Set.of(e), 1);
    assertEquals(Map.of("a", 0, "b", 4, "c", 0, "d", 4, "e", 4), columns(p));
    assertEquals(8, p.widths().get(Extent.TOKENS));
    // An in-place update is a read: it extends a's first value over c's life, and c moves up.
    List<Call> updated = List.of(write(a), map(a, b), write(c), map(c, d), update(a), map(a, e));
    ArenaPlanner.Placement q = place(updated, Set.of(e), 1);
    assertEquals(Map.of("a", 0, "b", 4, "c", 4, "d", 8, "e", 4), columns(q));
    assertEquals(12, q.widths().get(Extent.TOKENS));
  }

  @Test
  void aReadBeforeAnyWriteIsAPlannerBug() {
    Buffer a = tokens("a", 2);
    Buffer b = tokens("b", 2);
    assertThrows(IllegalStateException.class,
        () -> ArenaPlanner.place(List.of(map(a, b)), Set.of(), 1));
    assertThrows(IllegalStateException.class,
        () -> ArenaPlanner.place(List.of(write(a), update(b)), Set.of(), 1));
  }

  @Test
  void anOutputLivesToTheEnd() {
    Buffer out = tokens("out", 3);
    Buffer later = tokens("later", 3);
    // out is last touched by call 0, but it is read after the step: later may not reuse it.
    ArenaPlanner.Placement p = place(List.of(write(out), write(later)), Set.of(out), 1);
    assertEquals(Map.of("out", 0, "later", 3), columns(p));
    ArenaPlanner.Placement notOutput = place(List.of(write(out), write(later)), Set.of(later), 1);
    assertEquals(Map.of("out", 0, "later", 0), columns(notOutput));
    // Rewritten later (a recomputed layer's output), it still lends its columns to nothing between.
    Buffer tmp = tokens("tmp", 3);
    ArenaPlanner.Placement twice = place(List.of(write(out), write(tmp), update(tmp), write(out)),
        Set.of(out), 1);
    assertEquals(Map.of("out", 0, "tmp", 3), columns(twice));
  }

  @Test
  void anOutputNeverWrittenIsAPlannerBug() {
    Buffer a = tokens("a", 2);
    assertThrows(IllegalStateException.class,
        () -> ArenaPlanner.place(List.of(write(a)), Set.of(tokens("missing", 2)), 1));
  }

  @Test
  void extentsHaveSeparateRegions() {
    Buffer t = tokens("t", 5);
    Buffer s = new Buffer("s", Buffer.GLOBAL, Extent.SEQUENCES, 2);
    Buffer p = new Buffer("p", Buffer.GLOBAL, Extent.PAIRS, 3);
    ArenaPlanner.Placement placement = place(List.of(write(t), write(s), write(p)),
        Set.of(t, s, p), 1);
    assertEquals(Map.of("t", 0, "s", 0, "p", 0), columns(placement));
    assertEquals(Map.of(Extent.TOKENS, 5, Extent.SEQUENCES, 2, Extent.PAIRS, 3),
        placement.widths());
  }

  /**
   * Three layers: t is a temporary of each layer's forward (1 slot), y is kept from each layer's
   * forward to its backward (all copies live together: 3 slots), g is a gradient handed from a layer's
   * backward to the one below (neighbours overlap, layers 0 and 2 do not: 2 slots).
   */
  private static List<Call> threeLayers() {
    List<Call> calls = new ArrayList<>();
    for (int l = 0; l < LAYERS; l++) {
      calls.add(write(layer("t", l, 4)));
      calls.add(map(layer("t", l, 4), layer("y", l, 4)));
    }
    calls.add(map(layer("y", 2, 4), layer("g", 2, 4)));
    for (int l = LAYERS - 2; l >= 0; l--) {
      calls.add(map(layer("g", l + 1, 4), layer("g", l, 4)));
      calls.add(update(layer("y", l, 4)));
    }
    return calls;
  }

  @Test
  void slotsAreTheFewestThatKeepLiveCopiesApart() {
    ArenaPlanner.Placement p = place(threeLayers(), Set.of(), LAYERS);
    for (int l = 0; l < LAYERS; l++) {
      assertEquals(new Column(0, 1, 4), p.columns().get(layer("t", l, 4)), "t: one copy for all");
      assertEquals(new Column(4, 3, 4), p.columns().get(layer("y", l, 4)), "y: one copy per layer");
      assertEquals(new Column(16, 2, 4), p.columns().get(layer("g", l, 4)), "g: two alternating");
    }
    assertEquals(Map.of("layer0.t", 0, "layer1.t", 0, "layer2.t", 0,
        "layer0.y", 4, "layer1.y", 8, "layer2.y", 12,
        "layer0.g", 16, "layer1.g", 20, "layer2.g", 16), columns(p));
    assertEquals(24, p.widths().get(Extent.TOKENS));
  }

  @Test
  void aBufferLiveAcrossAllLayersGetsOneSlotPerLayer() {
    // Each layer's copy of h is written in the forward and read only at the end: all live together.
    for (int layers : new int[] {1, 2, 5}) {
      List<Call> calls = new ArrayList<>();
      for (int l = 0; l < layers; l++) {
        calls.add(write(layer("h", l, 3)));
      }
      for (int l = layers - 1; l >= 0; l--) {
        calls.add(update(layer("h", l, 3)));
      }
      ArenaPlanner.Placement p = place(calls, Set.of(), layers);
      assertEquals(new Column(0, layers, 3), p.columns().get(layer("h", 0, 3)), layers + " layers");
      assertEquals(3 * layers, p.widths().get(Extent.TOKENS));
    }
  }

  @Test
  void aGlobalBufferIsAFamilyOfOne() {
    Buffer x = layer("x", 0, 2);
    Buffer x1 = layer("x", 1, 2);
    Buffer sum = tokens("x", 2); // a global buffer of the same name is another family
    ArenaPlanner.Placement p = place(List.of(write(x), write(sum), map(x, x1), update(sum)),
        Set.of(x1), 2);
    assertEquals(new Column(0, 2, 2), p.columns().get(x));
    assertEquals(new Column(4, 1, 2), p.columns().get(sum));
    assertEquals(6, p.widths().get(Extent.TOKENS));
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void randomProgramsNeverOverlapLiveBuffers(int seed) {
    Random random = new Random(seed);
    int layers = 1 + random.nextInt(4);
    String[] names = {"a", "b", "c", "d", "e"};
    int[] widths = {1, 2, 3, 5, 8};
    Extent[] extents = {Extent.TOKENS, Extent.TOKENS, Extent.PAIRS, Extent.TOKENS, Extent.SEQUENCES};
    List<Buffer> all = new ArrayList<>();
    for (int n = 0; n < names.length; n++) {
      all.add(new Buffer(names[n], Buffer.GLOBAL, extents[n], widths[n]));
      for (int l = 0; l < layers; l++) {
        all.add(new Buffer(names[n], l, extents[n], widths[n]));
      }
    }
    List<Call> calls = new ArrayList<>();
    List<Buffer> written = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      Buffer to = all.get(random.nextInt(all.size()));
      int kind = written.isEmpty() ? 0 : random.nextInt(3);
      if (kind == 0) {
        calls.add(write(to));
        written.add(to);
      } else if (kind == 1) {
        Buffer from = written.get(random.nextInt(written.size()));
        calls.add(from.equals(to) ? update(to) : map(from, to));
        written.add(to);
      } else {
        calls.add(update(written.get(random.nextInt(written.size()))));
      }
    }
    Set<Buffer> outputs = Set.of(written.get(random.nextInt(written.size())));
    ArenaPlanner.Placement p = place(calls, outputs, layers);
    for (Extent e : Extent.values()) {
      int top = p.columns().entrySet().stream().filter(x -> x.getKey().extent() == e)
          .mapToInt(x -> x.getValue().base() + x.getValue().slots() * x.getValue().width())
          .max().orElse(0);
      assertEquals(top, p.widths().get(e), e + " region is the highest column used");
    }
    for (Map.Entry<Buffer, Column> c : p.columns().entrySet()) {
      assertTrue(c.getValue().slots() >= 1 && c.getValue().slots() <= Math.max(1, layers));
      assertEquals(c.getKey().width(), c.getValue().width());
    }
  }

  @Test
  void aNameWithTwoSizesIsAPlannerBug() {
    // Two buffers of one scope and name are one field of the generated class: different sizes can
    // only come from a planner bug, and must not be placed as if they were one.
    assertThrows(IllegalStateException.class, () -> ArenaPlanner.place(
        List.of(write(tokens("x", 2)), write(tokens("x", 3))), Set.of(), 1));
    assertThrows(IllegalStateException.class, () -> ArenaPlanner.place(
        List.of(write(layer("x", 0, 2)), write(layer("x", 1, 3))), Set.of(), 2));
  }
}
