package bert4j.runtime.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a CSV or TSV data set (UTF-8). CSV follows RFC 4180: fields separated by commas, a field that
 * holds commas, quotes or line breaks enclosed in double quotes, a quote inside it doubled. TSV fields
 * are separated by tabs and never quoted. By default the first record is a header naming the columns.
 * Every record must have as many fields as the first; empty lines are skipped. Anything else is a
 * {@link MalformedDataException} naming the file, the line and what was expected.
 */
public final class DelimitedReader {
  private final char delimiter;
  private final boolean quoting;
  private final boolean header;

  private DelimitedReader(char delimiter, boolean quoting, boolean header) {
    this.delimiter = delimiter;
    this.quoting = quoting;
    this.header = header;
  }

  /** Comma-separated values with RFC 4180 quoting and a header row. */
  public static DelimitedReader csv() {
    return new DelimitedReader(',', true, true);
  }

  /** Tab-separated values, unquoted, with a header row. */
  public static DelimitedReader tsv() {
    return new DelimitedReader('\t', false, true);
  }

  /** The same format, with no header row: every record is data, columns are addressed by index. */
  public DelimitedReader withoutHeader() {
    return new DelimitedReader(delimiter, quoting, false);
  }

  /** Every data record of a file, in order. */
  public List<DelimitedRow> read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "no such data file");
    }
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    }
  }

  /** Every data record of a stream, which it does not close; {@code source} names it in errors. */
  public List<DelimitedRow> read(InputStream in, String source) throws IOException {
    Utf8Lines lines = new Utf8Lines(in, source);
    List<String> names = List.of();
    int expected = -1;
    List<DelimitedRow> rows = new ArrayList<>();
    String line;
    while ((line = lines.next()) != null) {
      if (line.isEmpty()) {
        continue;
      }
      long start = lines.number();
      List<String> fields = parse(line, lines, source);
      if (expected < 0) {
        expected = fields.size();
        if (header) {
          names = checkHeader(fields, source, start);
          continue;
        }
      } else if (fields.size() != expected) {
        throw new MalformedDataException(source, start, "expected " + expected + " fields"
            + (names.isEmpty() ? "" : " (" + String.join(", ", names) + ")") + ", found "
            + fields.size() + (quoting ? "; quote a field that contains " + name(delimiter) : ""));
      }
      rows.add(new DelimitedRow(source, start, fields, names));
    }
    return rows;
  }

  private static List<String> checkHeader(List<String> names, String source, long line) {
    Set<String> seen = new HashSet<>();
    for (String name : names) {
      if (!seen.add(name)) {
        throw new MalformedDataException(source, line, "the header names column \"" + name
            + "\" twice");
      }
    }
    return names;
  }

  /** The fields of the record that starts with {@code line}, reading more lines for quoted breaks. */
  private List<String> parse(String line, Utf8Lines lines, String source) throws IOException {
    long start = lines.number();
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int pos = 0;
    while (true) {
      int column = fields.size() + 1;
      if (quoting && pos < line.length() && line.charAt(pos) == '"') {
        pos++;
        while (true) {
          int quote = line.indexOf('"', pos);
          if (quote < 0) {
            field.append(line, pos, line.length()).append('\n');
            line = lines.next();
            if (line == null) {
              throw new MalformedDataException(source, start, "field " + column
                  + ": the quoted field that opens on this line never closes");
            }
            pos = 0;
          } else if (quote + 1 < line.length() && line.charAt(quote + 1) == '"') {
            field.append(line, pos, quote).append('"');
            pos = quote + 2;
          } else {
            field.append(line, pos, quote);
            pos = quote + 1;
            break;
          }
        }
        fields.add(field.toString());
        field.setLength(0);
        if (pos == line.length()) {
          return fields;
        }
        if (line.charAt(pos) != delimiter) {
          throw new MalformedDataException(source, lines.number(), "field " + column
              + ": expected " + name(delimiter) + " or the end of the line after the closing quote,"
              + " found '" + line.charAt(pos) + "' (double a quote inside a quoted field)");
        }
        pos++;
      } else {
        int end = line.indexOf(delimiter, pos);
        String value = line.substring(pos, end < 0 ? line.length() : end);
        if (quoting && value.indexOf('"') >= 0) {
          throw new MalformedDataException(source, lines.number(), "field " + column
              + ": a quote inside an unquoted field (enclose the field in quotes and double the"
              + " quote)");
        }
        fields.add(value);
        if (end < 0) {
          return fields;
        }
        pos = end + 1;
      }
    }
  }

  private static String name(char delimiter) {
    return delimiter == '\t' ? "a tab" : "'" + delimiter + "'";
  }
}
