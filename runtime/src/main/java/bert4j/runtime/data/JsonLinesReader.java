package bert4j.runtime.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a JSON Lines data set: one JSON object per line (UTF-8), as bert4keras examples' data files
 * ({@code {"text": "...", "label": 1}}). Blank lines are skipped. A line that is not valid JSON, or not
 * an object, is a {@link MalformedDataException} naming the file and the line.
 */
public final class JsonLinesReader {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private JsonLinesReader() {}

  /** Every object of a {@code .jsonl} file, in order. */
  public static List<JsonRow> read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "no such data file");
    }
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    }
  }

  /** Every object of a JSON Lines stream, which it does not close; {@code source} names it in errors. */
  public static List<JsonRow> read(InputStream in, String source) throws IOException {
    Utf8Lines lines = new Utf8Lines(in, source);
    List<JsonRow> rows = new ArrayList<>();
    String line;
    while ((line = lines.next()) != null) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode node;
      try {
        node = JSON.readTree(line);
      } catch (JsonProcessingException e) {
        throw new MalformedDataException(source, lines.number(),
            "not valid JSON" + column(e) + ": " + e.getOriginalMessage(), e);
      }
      if (!node.isObject()) {
        throw new MalformedDataException(source, lines.number(),
            "expected a JSON object, found " + JsonRow.describe(node));
      }
      rows.add(new JsonRow(source, lines.number(), node));
    }
    return rows;
  }

  private static String column(JsonProcessingException e) {
    return e.getLocation() == null || e.getLocation().getColumnNr() < 1 ? ""
        : " at column " + e.getLocation().getColumnNr();
  }
}
