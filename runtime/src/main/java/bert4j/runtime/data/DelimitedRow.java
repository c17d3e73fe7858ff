package bert4j.runtime.data;

import java.util.List;

/**
 * One record of a CSV or TSV file: its fields, the header's column names (empty without a header), and
 * the line it starts on. The getters fail with a {@link MalformedDataException} naming the file, the
 * line, the column and what was expected.
 */
public record DelimitedRow(String source, long line, List<String> fields, List<String> header) {
  public DelimitedRow {
    fields = List.copyOf(fields);
    header = List.copyOf(header);
  }

  /** Number of fields. */
  public int size() {
    return fields.size();
  }

  /** The field in column {@code column} (0-based). */
  public String get(int column) {
    if (column < 0 || column >= fields.size()) {
      throw error("no column " + column + " (the line has " + fields.size() + " fields)");
    }
    return fields.get(column);
  }

  /** The field under the header name {@code name}. */
  public String get(String name) {
    return get(column(name));
  }

  /** The field in column {@code column}, which must be an integer. */
  public int integer(int column) {
    String text = get(column).strip();
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw error("column " + describe(column) + " is \"" + text + "\", expected an integer");
    }
  }

  /** The field under the header name {@code name}, which must be an integer. */
  public int integer(String name) {
    return integer(column(name));
  }

  /** An error about this record, for checks of the caller's own ({@code throw row.error("...")}). */
  public MalformedDataException error(String problem) {
    return new MalformedDataException(source, line, problem);
  }

  private int column(String name) {
    int column = header.indexOf(name);
    if (column < 0) {
      throw error(header.isEmpty() ? "no column \"" + name + "\": the file was read without a header"
          : "no column \"" + name + "\" (columns: " + String.join(", ", header) + ")");
    }
    return column;
  }

  private String describe(int column) {
    return column < header.size() ? "\"" + header.get(column) + "\"" : Integer.toString(column);
  }
}
