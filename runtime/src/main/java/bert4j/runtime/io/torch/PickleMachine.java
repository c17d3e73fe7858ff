package bert4j.runtime.io.torch;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle interpreter for the opcodes {@code torch.save} emits (protocols 2 to 4), which never runs
 * code. A pickle runs code by naming a global (a module attribute) and calling it; here a global is
 * only a {@link Global} name, refused at once unless the {@link Host} allows it, and calling it, a
 * persistent id and {@code BUILD} mean only what the host says. Values are Java objects: {@code str}
 * a String, {@code int} a Long, {@code float} a Double, {@code bool} a Boolean, {@code None} null,
 * {@code list} an ArrayList, {@code tuple} an unmodifiable List, {@code dict} a LinkedHashMap.
 *
 * <p>Every length is checked against the bytes that remain, so a lying pickle fails with a
 * {@link PickleException} naming the byte, never with a large allocation or an unchecked exception;
 * nothing allocated outgrows the pickle itself.
 */
final class PickleMachine {
  /** A global a pickle names ({@code GLOBAL} or {@code STACK_GLOBAL}): a name, never resolved to code. */
  record Global(String module, String name) {
    @Override
    public String toString() {
      return module + "." + name;
    }
  }

  /** What gives globals, persistent ids and {@code BUILD} their meaning; the machine itself knows none. */
  interface Host {
    /** Whether the pickle may name {@code global}; any other refuses the whole pickle. */
    boolean allows(Global global);

    /** The allowed globals, for the message that refuses another. */
    String allowed();

    /** The value of {@code REDUCE}: an allowed global called with {@code arguments} (a tuple). */
    Object call(Global global, List<Object> arguments) throws PickleException;

    /** The value of {@code BINPERSID}: the object a persistent id stands for. */
    Object persistentLoad(Object id) throws PickleException;

    /** {@code BUILD}: sets {@code state} on {@code target}, or refuses. */
    void build(Object target, Object state) throws PickleException;
  }

  private static final int HIGHEST_PROTOCOL = 5;
  private static final int PRINTED_NAME_CHARS = 200;

  private final byte[] pickle;
  private final Host host;
  private final Map<Long, Object> memo = new HashMap<>();
  private final Deque<List<Object>> marks = new ArrayDeque<>();
  private List<Object> stack = new ArrayList<>();
  private int position;
  private int opcodeAt;

  private PickleMachine(byte[] pickle, Host host) {
    this.pickle = pickle;
    this.host = host;
  }

  /** The object {@code pickle} holds, as far as its first {@code STOP}. */
  static Object run(byte[] pickle, Host host) throws PickleException {
    return new PickleMachine(pickle, host).run();
  }

  private Object run() throws PickleException {
    while (true) {
      opcodeAt = position;
      int opcode = u8();
      switch (opcode) {
        case 0x80 -> { // PROTO
          int protocol = u8();
          if (protocol > HIGHEST_PROTOCOL) {
            throw corrupt("pickle protocol " + protocol + " is newer than any Python writes ("
                + HIGHEST_PROTOCOL + ")");
          }
        }
        case 0x95 -> bytes(8); // FRAME: a length hint for buffered readers; the whole pickle is in memory
        case '.' -> { // STOP
          return pop();
        }
        case '(' -> { // MARK
          marks.push(stack);
          stack = new ArrayList<>();
        }
        case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
        case ']' -> push(new ArrayList<>()); // EMPTY_LIST
        case ')' -> push(List.of()); // EMPTY_TUPLE
        case 't' -> push(tuple(popMark())); // TUPLE
        case 0x85 -> push(tuple(pop(1))); // TUPLE1
        case 0x86 -> push(tuple(pop(2))); // TUPLE2
        case 0x87 -> push(tuple(pop(3))); // TUPLE3
        case 'N' -> push(null); // NONE
        case 0x88 -> push(Boolean.TRUE); // NEWTRUE
        case 0x89 -> push(Boolean.FALSE); // NEWFALSE
        case 'K' -> push((long) u8()); // BININT1
        case 'M' -> push((long) (u8() | u8() << 8)); // BININT2
        case 'J' -> push((long) (int) littleEndian(4)); // BININT
        case 0x8a -> push(long1()); // LONG1
        case 'G' -> push(Double.longBitsToDouble(bigEndian8())); // BINFLOAT
        case 'X' -> push(string(littleEndian(4))); // BINUNICODE
        case 0x8c -> push(string(u8())); // SHORT_BINUNICODE
        case 'c' -> push(allowed(new Global(line(), line()))); // GLOBAL
        case 0x93 -> { // STACK_GLOBAL
          String name = popString();
          push(allowed(new Global(popString(), name)));
        }
        case 'q' -> memo.put((long) u8(), peek()); // BINPUT
        case 'r' -> memo.put(littleEndian(4), peek()); // LONG_BINPUT
        case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
        case 'h' -> push(memoGet(u8())); // BINGET
        case 'j' -> push(memoGet(littleEndian(4))); // LONG_BINGET
        case 'a' -> { // APPEND
          Object value = pop();
          list(peek()).add(value);
        }
        case 'e' -> { // APPENDS
          List<Object> values = popMark();
          list(peek()).addAll(values);
        }
        case 's' -> { // SETITEM
          Object value = pop();
          Object key = pop();
          dict(peek()).put(key(key), value);
        }
        case 'u' -> { // SETITEMS
          List<Object> items = popMark();
          if (items.size() % 2 != 0) {
            throw corrupt("SETITEMS has " + items.size() + " values, not key-value pairs");
          }
          Map<Object, Object> dict = dict(peek());
          for (int i = 0; i < items.size(); i += 2) {
            dict.put(key(items.get(i)), items.get(i + 1));
          }
        }
        case 'R' -> { // REDUCE
          Object arguments = pop();
          Object callable = pop();
          if (!(callable instanceof Global global)) {
            throw corrupt("REDUCE calls a " + kind(callable) + ", not a global");
          }
          if (!(arguments instanceof List<?> list) || arguments instanceof ArrayList) {
            throw corrupt("REDUCE passes " + global + " a " + kind(arguments) + ", not a tuple of arguments");
          }
          push(host.call(global, Collections.unmodifiableList(list)));
        }
        case 'b' -> { // BUILD
          Object state = pop();
          host.build(peek(), state);
        }
        case 'Q' -> push(host.persistentLoad(pop())); // BINPERSID
        default -> throw corrupt(String.format("opcode 0x%02x is not one torch.save writes", opcode));
      }
    }
  }

  /** {@code global}, unless the host refuses it: then the whole pickle is refused, naming it. */
  private Global allowed(Global global) throws PickleException {
    if (!host.allows(global)) {
      throw new PickleException("the pickle names " + printable(global.toString())
          + ", which bert4j does not load (only " + host.allowed() + "); nothing was run");
    }
    return global;
  }

  private Object memoGet(long index) throws PickleException {
    if (!memo.containsKey(index)) {
      throw corrupt("memo entry " + index + " is read before it is written");
    }
    return memo.get(index);
  }

  private void push(Object value) {
    stack.add(value);
  }

  private Object peek() throws PickleException {
    if (stack.isEmpty()) {
      throw corrupt("the stack is empty");
    }
    return stack.get(stack.size() - 1);
  }

  private Object pop() throws PickleException {
    Object top = peek();
    stack.remove(stack.size() - 1);
    return top;
  }

  /** The top {@code count} values, bottom first. */
  private List<Object> pop(int count) throws PickleException {
    if (stack.size() < count) {
      throw corrupt("needs " + count + " values, the stack has " + stack.size());
    }
    List<Object> top = new ArrayList<>(stack.subList(stack.size() - count, stack.size()));
    stack.subList(stack.size() - count, stack.size()).clear();
    return top;
  }

  /** The values pushed since the last MARK, which is removed. */
  private List<Object> popMark() throws PickleException {
    if (marks.isEmpty()) {
      throw corrupt("no MARK to pop to");
    }
    List<Object> values = stack;
    stack = marks.pop();
    return values;
  }

  private String popString() throws PickleException {
    Object value = pop();
    if (!(value instanceof String string)) {
      throw corrupt("STACK_GLOBAL names a " + kind(value) + ", not a str");
    }
    return string;
  }

  private static List<Object> tuple(List<Object> values) {
    return Collections.unmodifiableList(Arrays.asList(values.toArray()));
  }

  @SuppressWarnings("unchecked")
  private List<Object> list(Object value) throws PickleException {
    if (!(value instanceof ArrayList<?>)) {
      throw corrupt("appends to a " + kind(value) + ", not a list");
    }
    return (List<Object>) value;
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> dict(Object value) throws PickleException {
    if (!(value instanceof LinkedHashMap<?, ?>)) {
      throw corrupt("sets an item of a " + kind(value) + ", not a dict");
    }
    return (Map<Object, Object>) value;
  }

  /** A dict key: only immutable scalars, so no key can contain itself or need deep hashing. */
  private Object key(Object key) throws PickleException {
    if (key instanceof String || key instanceof Long || key instanceof Boolean) {
      return key;
    }
    throw corrupt("a dict key is a " + kind(key) + " (bert4j takes str, int and bool keys)");
  }

  private int u8() throws PickleException {
    if (position >= pickle.length) {
      throw truncated("1 more byte");
    }
    return pickle[position++] & 0xff;
  }

  private long littleEndian(int count) throws PickleException {
    byte[] bytes = bytes(count);
    long value = 0;
    for (int i = count - 1; i >= 0; i--) {
      value = value << 8 | (bytes[i] & 0xff);
    }
    return value;
  }

  private long bigEndian8() throws PickleException {
    byte[] bytes = bytes(8);
    long value = 0;
    for (byte b : bytes) {
      value = value << 8 | (b & 0xff);
    }
    return value;
  }

  /** LONG1: a little-endian two's complement integer of up to 8 bytes (longer ones are refused). */
  private long long1() throws PickleException {
    int count = u8();
    if (count > 8) {
      throw corrupt("an integer of " + count + " bytes does not fit in 64 bits");
    }
    if (count == 0) {
      return 0;
    }
    long value = littleEndian(count);
    int unused = 64 - 8 * count;
    return value << unused >> unused; // sign-extend
  }

  private String string(long length) throws PickleException {
    if (length > pickle.length - position) {
      throw truncated(length + " more bytes from byte " + position);
    }
    return new String(bytes((int) length), StandardCharsets.UTF_8);
  }

  /** A GLOBAL operand: the text up to the next newline. */
  private String line() throws PickleException {
    for (int end = position; end < pickle.length; end++) {
      if (pickle[end] == '\n') {
        String text = new String(pickle, position, end - position, StandardCharsets.UTF_8);
        position = end + 1;
        return text;
      }
    }
    throw truncated("the rest of GLOBAL's name, up to a newline");
  }

  private byte[] bytes(int count) throws PickleException {
    if (count > pickle.length - position) {
      throw truncated(count + " more bytes from byte " + position);
    }
    byte[] bytes = Arrays.copyOfRange(pickle, position, position + count);
    position += count;
    return bytes;
  }

  private PickleException truncated(String needed) {
    return new PickleException("the pickle ends at byte " + pickle.length + ", inside the opcode at byte "
        + opcodeAt + " (it needs " + needed + "; truncated?)");
  }

  private PickleException corrupt(String problem) {
    return new PickleException("corrupted pickle at byte " + opcodeAt + ": " + problem);
  }

  /** The Python type of a value, for messages (never the value itself, which may be huge or cyclic). */
  static String kind(Object value) {
    if (value == null) {
      return "None";
    } else if (value instanceof String) {
      return "str";
    } else if (value instanceof Long) {
      return "int";
    } else if (value instanceof Double) {
      return "float";
    } else if (value instanceof Boolean) {
      return "bool";
    } else if (value instanceof ArrayList<?>) {
      return "list";
    } else if (value instanceof List<?>) {
      return "tuple";
    } else if (value instanceof Map<?, ?>) {
      return "dict";
    } else if (value instanceof Global global) {
      return "global " + printable(global.toString());
    }
    return value.getClass().getSimpleName();
  }

  /** A name from the pickle, safe to print: control characters escaped, cut to a readable length. */
  static String printable(String text) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    for (; i < text.length() && out.length() < PRINTED_NAME_CHARS; i++) {
      char c = text.charAt(i);
      out.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return i < text.length() ? out + "..." : out.toString();
  }
}
