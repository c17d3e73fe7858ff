package bert4j.runtime.io.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.io.torch.PickleMachine.Global;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pickle machine on opcodes written by hand, with a host that allows one global, test.f. */
class TorchPickleMachineTest {
  /** Allows test.f, whose call returns its arguments; records every callback. */
  private static final class Recorder implements PickleMachine.Host {
    final List<String> calls = new ArrayList<>();

    @Override
    public boolean allows(Global global) {
      return global.equals(new Global("test", "f"));
    }

    @Override
    public String allowed() {
      return "test.f";
    }

    @Override
    public Object call(Global global, List<Object> arguments) {
      calls.add("call " + global);
      return arguments;
    }

    @Override
    public Object persistentLoad(Object id) {
      calls.add("persistentLoad");
      return "loaded " + id;
    }

    @Override
    public void build(Object target, Object state) {
      calls.add("build");
    }
  }

  private static Object run(PickleBytes pickle) throws PickleException {
    return PickleMachine.run(pickle.bytes(), new Recorder());
  }

  private static String failure(PickleBytes pickle) {
    return assertThrows(PickleException.class, () -> run(pickle)).getMessage();
  }

  @Test
  void readsEveryScalarOpcode() throws PickleException {
    PickleBytes pickle = new PickleBytes().proto(2).mark()
        .raw('K', 200) // BININT1
        .raw('M').le(65535, 2) // BININT2
        .raw('J').le(-5, 4) // BININT
        .raw(0x8a, 0) // LONG1 of no bytes: 0
        .raw(0x8a, 2).le(-300, 2) // LONG1 sign-extended
        .integer(Long.MIN_VALUE)
        .raw('G').raw(0x3f, 0xf8, 0, 0, 0, 0, 0, 0) // BINFLOAT 1.5, big-endian
        .str("h\u00e9llo").shortStr("x")
        .bool(true).bool(false).raw('N')
        .tuple().stop();
    assertEquals(Arrays.asList(200L, 65535L, -5L, 0L, -300L, Long.MIN_VALUE, 1.5, "h\u00e9llo", "x", true, false, null),
        run(pickle));
  }

  @Test
  void buildsContainersWithTheMemo() throws PickleException {
    PickleBytes pickle = new PickleBytes().proto(2)
        .emptyDict().raw('q', 0) // BINPUT 0
        .str("list").raw(']').raw('r').le(70000, 4) // LONG_BINPUT 70000
        .raw('K', 1).raw('a') // APPEND
        .mark().raw('K', 2).raw('K', 3).raw('e') // APPENDS
        .raw('s') // SETITEM
        .mark().str("again").raw('j').le(70000, 4) // LONG_BINGET
        .str("pair").raw('K', 4).raw('h', 0).raw(0x86) // BINGET 0, TUPLE2
        .str("one").raw('N').raw(0x85).str("three").raw('K', 1).raw('K', 2).raw('K', 3).raw(0x87)
        .setItems().stop();
    @SuppressWarnings("unchecked")
    Map<Object, Object> dict = (Map<Object, Object>) run(pickle);
    assertEquals(List.of("list", "again", "pair", "one", "three"), List.copyOf(dict.keySet()));
    assertEquals(List.of(1L, 2L, 3L), dict.get("list"));
    assertSame(dict.get("list"), dict.get("again"), "memo gets are the same object");
    assertSame(dict, ((List<?>) dict.get("pair")).get(1), "a dict may hold itself");
    assertNull(((List<?>) dict.get("one")).get(0));
    assertEquals(List.of(1L, 2L, 3L), dict.get("three"));
  }

  @Test
  void theHostGivesGlobalsPersistentIdsAndBuildTheirMeaning() throws PickleException {
    Recorder host = new Recorder();
    byte[] pickle = new PickleBytes().proto(4)
        .global("test", "f").raw(0x94) // MEMOIZE as 0
        .shortStr("test").shortStr("f").raw(0x93) // STACK_GLOBAL
        .str("id").persistentId().raw(0x85).reduce()
        .raw(0x85).reduce()
        .emptyDict().raw('b') // BUILD on the result
        .stop().bytes();
    Object result = PickleMachine.run(pickle, host);
    assertEquals(List.of(List.of("loaded id")), result);
    assertEquals(List.of("persistentLoad", "call test.f", "call test.f", "build"), host.calls);
  }

  @Test
  void aGlobalOutsideTheAllowListIsRefusedWhenNamedBeforeAnythingElse() {
    Recorder host = new Recorder();
    byte[] pickle = new PickleBytes().proto(2).str("ignored").persistentId()
        .global("os", "system").str("echo pwned").raw(0x85).reduce().stop().bytes();
    String message = assertThrows(PickleException.class, () -> PickleMachine.run(pickle, host)).getMessage();
    assertEquals("the pickle names os.system, which bert4j does not load (only test.f); nothing was run", message);
    assertEquals(List.of("persistentLoad"), host.calls, "the refused global is never called");

    String stackGlobal = failure(new PickleBytes().proto(4).shortStr("builtins").shortStr("eval").raw(0x93));
    assertTrue(stackGlobal.startsWith("the pickle names builtins.eval, which"), stackGlobal);
    String control = failure(new PickleBytes().proto(2).global("os\u0007", "x".repeat(500)));
    String printed = "os\\u0007." + "x".repeat(200 - "os\\u0007.".length()) + "...";
    assertTrue(control.startsWith("the pickle names " + printed + ", which"), control);
  }

  @Test
  void malformedPicklesNameTheByte() {
    assertEquals("corrupted pickle at byte 0: opcode 0x64 is not one torch.save writes",
        failure(new PickleBytes().raw('d')));
    assertEquals("the pickle ends at byte 2, inside the opcode at byte 2 (it needs 1 more byte; truncated?)",
        failure(new PickleBytes().proto(2)));
    assertEquals("corrupted pickle at byte 2: the stack is empty", failure(new PickleBytes().proto(2).stop()));
    assertEquals("corrupted pickle at byte 2: no MARK to pop to", failure(new PickleBytes().proto(2).tuple()));
    assertEquals("corrupted pickle at byte 3: needs 3 values, the stack has 1",
        failure(new PickleBytes().proto(2).raw('N').raw(0x87)));
    assertEquals("corrupted pickle at byte 2: memo entry 7 is read before it is written",
        failure(new PickleBytes().proto(2).raw('h', 7)));
    assertEquals("corrupted pickle at byte 2: an integer of 9 bytes does not fit in 64 bits",
        failure(new PickleBytes().proto(2).raw(0x8a, 9).le(0, 8).raw(0)));
    assertEquals("corrupted pickle at byte 0: pickle protocol 6 is newer than any Python writes (5)",
        failure(new PickleBytes().proto(6)));
    assertEquals("corrupted pickle at byte 5: SETITEMS has 1 values, not key-value pairs",
        failure(new PickleBytes().proto(2).emptyDict().mark().raw('N').setItems()));
    assertEquals("corrupted pickle at byte 5: a dict key is a list (bert4j takes str, int and bool keys)",
        failure(new PickleBytes().proto(2).emptyDict().raw(']').raw('N').raw('s')));
    assertEquals("corrupted pickle at byte 4: appends to a tuple, not a list",
        failure(new PickleBytes().proto(2).emptyTuple().raw('N').raw('a')));
    assertEquals("corrupted pickle at byte 4: sets an item of a list, not a dict",
        failure(new PickleBytes().proto(2).raw(']').mark().setItems()));
    assertEquals("corrupted pickle at byte 5: REDUCE calls a str, not a global",
        failure(new PickleBytes().proto(2).shortStr("").emptyTuple().reduce()));
    assertEquals("corrupted pickle at byte 11: REDUCE passes test.f a list, not a tuple of arguments",
        failure(new PickleBytes().proto(2).global("test", "f").raw(']').reduce()));
    assertEquals("corrupted pickle at byte 4: STACK_GLOBAL names a None, not a str",
        failure(new PickleBytes().proto(4).raw('N').raw('N').raw(0x93)));
  }

  @Test
  void typesAreNamedWithoutPrintingValues() {
    assertEquals("dict", PickleMachine.kind(new LinkedHashMap<>()));
    assertEquals("list", PickleMachine.kind(new ArrayList<>()));
    assertEquals("tuple", PickleMachine.kind(List.of()));
    assertEquals("global os.system", PickleMachine.kind(new Global("os", "system")));
  }
}
