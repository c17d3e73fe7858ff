package bert4j.runtime.data;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One line of a JSON Lines file: a JSON object and where it came from. The typed getters fail with a
 * {@link MalformedDataException} naming the file, the line, the field and what was expected.
 */
public record JsonRow(String source, long line, JsonNode value) {
  public JsonRow {
    if (value == null || !value.isObject()) {
      throw new IllegalArgumentException("a JSON row holds a JSON object");
    }
  }

  /** Whether the object has {@code field} (with any value, null included). */
  public boolean has(String field) {
    return value.has(field);
  }

  /** The value of a field that must be present. */
  public JsonNode get(String field) {
    JsonNode node = value.get(field);
    if (node == null) {
      throw error("field \"" + field + "\" is missing (fields: " + fieldNames() + ")");
    }
    return node;
  }

  /** The value of a field that must be a string. */
  public String text(String field) {
    JsonNode node = get(field);
    if (!node.isTextual()) {
      throw error("field \"" + field + "\" is " + describe(node) + ", expected a string");
    }
    return node.textValue();
  }

  /** The value of a field that must be an integer that fits an {@code int}. */
  public int integer(String field) {
    JsonNode node = get(field);
    if (!node.isIntegralNumber()) {
      throw error("field \"" + field + "\" is " + describe(node) + ", expected an integer");
    }
    if (!node.canConvertToInt()) {
      throw error("field \"" + field + "\" is " + node + ", outside the range of an int");
    }
    return node.intValue();
  }

  /** An error about this line, for checks of the caller's own ({@code throw row.error("...")}). */
  public MalformedDataException error(String problem) {
    return new MalformedDataException(source, line, problem);
  }

  private String fieldNames() {
    StringBuilder names = new StringBuilder();
    value.fieldNames().forEachRemaining(n -> names.append(names.length() == 0 ? "" : ", ").append(n));
    return names.length() == 0 ? "none" : names.toString();
  }

  /** A JSON value's kind and, when short, the value itself. */
  static String describe(JsonNode node) {
    String kind = switch (node.getNodeType()) {
      case STRING -> "a string";
      case NUMBER -> node.isIntegralNumber() ? "an integer" : "a fractional number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      default -> "a " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
    String text = node.toString();
    return node.isContainerNode() || text.length() > 40 ? kind : kind + " (" + text + ")";
  }
}
