package bert4j.processor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * ArenaPlanner on hand-made call lists, where the right placement is known: buffers share columns
 * exactly when their lives (first to last touching call, forward then backward) do not overlap.
 */
class ArenaPlannerTest {

  private static Buffer tokens(String name, int width) {
    return new Buffer(name, Extent.TOKENS, width, -1);
  }

  private static Call touch(Buffer... buffers) {
    return new Call("k", List.of(buffers).stream().map(b -> (Arg) new Arg.Buf(b)).toList(), null,
        false, null);
  }

  private static Map<String, Integer> columns(ArenaPlanner.Placement placement) {
    return placement.buffers().stream().collect(Collectors.toMap(Buffer::name, Buffer::column));
  }

  @Test
  void aChainReusesEveryOtherBuffer() {
    Buffer a = tokens("a", 4);
    Buffer b = tokens("b", 4);
    Buffer c = tokens("c", 4);
    Buffer d = tokens("d", 4);
    // a → b → c → d: a dies when c is born, b when d is.
    ArenaPlanner.Placement p = ArenaPlanner.place(
        List.of(touch(a, b), touch(b, c), touch(c, d)), List.of(), List.of(d));
    Map<String, Integer> col = columns(p);
    assertEquals(Map.of("a", 0, "b", 4, "c", 0, "d", 4), col);
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
    ArenaPlanner.Placement p = ArenaPlanner.place(
        List.of(touch(x, y), touch(y, z)), List.of(touch(dz, x)), List.of(z));
    assertEquals(Map.of("x", 0, "y", 2, "z", 4, "dz", 2), columns(p));
    assertEquals(6, p.widths().get(Extent.TOKENS));
  }

  @Test
  void anOutputLivesToTheEndOfTheForward() {
    Buffer out = tokens("out", 3);
    Buffer later = tokens("later", 3);
    // out is last touched by call 0, but it is read after the forward: later may not reuse it.
    ArenaPlanner.Placement p = ArenaPlanner.place(
        List.of(touch(out), touch(later)), List.of(), List.of(out));
    assertEquals(Map.of("out", 0, "later", 3), columns(p));
    ArenaPlanner.Placement notOutput = ArenaPlanner.place(
        List.of(touch(out), touch(later)), List.of(), List.of(later));
    assertEquals(Map.of("out", 0, "later", 0), columns(notOutput));
  }

  @Test
  void extentsHaveSeparateRegions() {
    Buffer t = tokens("t", 5);
    Buffer s = new Buffer("s", Extent.SEQUENCES, 2, -1);
    Buffer p = new Buffer("p", Extent.PAIRS, 3, -1);
    ArenaPlanner.Placement placement = ArenaPlanner.place(
        List.of(touch(t, s, p)), List.of(), List.of(t, s, p));
    assertEquals(Map.of("t", 0, "s", 0, "p", 0), columns(placement));
    assertEquals(Map.of(Extent.TOKENS, 5, Extent.SEQUENCES, 2, Extent.PAIRS, 3),
        placement.widths());
  }

  @Test
  void aNameWithTwoSizesIsAPlannerBug() {
    assertThrows(IllegalStateException.class, () -> ArenaPlanner.place(
        List.of(touch(tokens("x", 2)), touch(tokens("x", 3))), List.of(), List.of()));
  }
}
