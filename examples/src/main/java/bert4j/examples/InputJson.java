package bert4j.examples;

import bert4j.runtime.Batch;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;

/**
 * The input file of {@link ComputeOutputs}, {@code {"token_ids": [[...]], "segment_ids": [[...]]}},
 * read strictly so that a typo cannot silently change what is computed: one JSON object and nothing after
 * it, no key twice, no key but these two, every value an integer written as one ({@code 1.5},
 * {@code 1e3}, {@code "3"} and {@code true} are rejected, naming their position), and rows of one
 * length; {@code segment_ids}, when given, has the shape of {@code token_ids}, and is all 0 otherwise.
 */
final class InputJson {
  private static final Set<String> KEYS = Set.of("token_ids", "segment_ids");
  private static final int SHOWN_CHARACTERS = 40;
  private static final ObjectMapper STRICT = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .build();

  private InputJson() {}

  /**
   * The batch in {@code input}.
   *
   * @throws InputException naming the file and what is wrong: unreadable, not JSON, or not this shape
   */
  static Batch read(Path input) throws InputException {
    JsonNode root = parse(input, bytes(input));
    if (root == null || !root.isObject()) {
      throw new InputException(input + ": must hold one JSON object {\"token_ids\": [[...]], "
          + "\"segment_ids\": [[...]]}, found " + (root == null ? "nothing" : shown(root)));
    }
    for (Iterator<String> keys = root.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!KEYS.contains(key)) {
        throw new InputException(input + ": unknown key " + shown("\"" + key + "\"")
            + " (the keys are token_ids and, optionally, segment_ids)");
      }
    }
    int[][] tokens = matrix(input, root, "token_ids");
    if (tokens == null) {
      throw new InputException(input + ": token_ids is missing");
    }
    int[][] segments = matrix(input, root, "segment_ids");
    if (segments == null) {
      segments = new int[tokens.length][tokens[0].length];
    } else if (segments.length != tokens.length) {
      throw new InputException(input + ": segment_ids has " + segments.length + " rows, token_ids has "
          + tokens.length);
    } else if (segments[0].length != tokens[0].length) {
      throw new InputException(input + ": segment_ids rows have " + segments[0].length
          + " ids, token_ids rows have " + tokens[0].length);
    }
    return Batch.of(tokens, segments);
  }

  private static byte[] bytes(Path input) throws InputException {
    if (Files.isDirectory(input)) {
      throw new InputException("input " + input + " is a directory, not a JSON file");
    }
    try {
      return Files.readAllBytes(input);
    } catch (IOException e) {
      throw InputException.of("input", input, e);
    }
  }

  private static JsonNode parse(Path input, byte[] bytes) throws InputException {
    try (JsonParser parser = STRICT.createParser(bytes)) {
      JsonNode root = STRICT.readTree(parser);
      try {
        if (parser.nextToken() != null) {
          throw new InputException(input + ": data after the JSON object" + at(parser.currentLocation()));
        }
      } catch (JsonProcessingException e) {
        throw new InputException(input + ": data after the JSON object" + at(e.getLocation()));
      }
      return root;
    } catch (JsonEOFException e) {
      throw new InputException(input + " is not valid JSON: it ends inside a value"
          + at(e.getLocation()));
    } catch (JsonProcessingException e) {
      throw new InputException(input + " is not valid JSON: " + e.getOriginalMessage()
          + at(e.getLocation()));
    } catch (IOException e) {
      throw InputException.of("input", input, e);
    }
  }

  /** The field as a rectangular matrix of ints, or null if absent. */
  private static int[][] matrix(Path input, JsonNode root, String field) throws InputException {
    JsonNode rows = root.get(field);
    if (rows == null) {
      return null;
    }
    if (!rows.isArray() || rows.isEmpty()) {
      throw new InputException(input + ": " + field + " must be a non-empty array of arrays of "
          + "integers, found " + shown(rows));
    }
    int[][] matrix = new int[rows.size()][];
    for (int r = 0; r < rows.size(); r++) {
      JsonNode row = rows.get(r);
      if (!row.isArray() || row.isEmpty()) {
        throw new InputException(input + ": " + field + "[" + r + "] must be a non-empty array of "
            + "integers, found " + shown(row));
      }
      if (row.size() != rows.get(0).size()) {
        throw new InputException(input + ": " + field + "[" + r + "] has " + row.size() + " ids, "
            + field + "[0] has " + rows.get(0).size() + ": pad every row to one length");
      }
      matrix[r] = new int[row.size()];
      for (int i = 0; i < row.size(); i++) {
        JsonNode value = row.get(i);
        if (value.isNumber() && !value.isIntegralNumber()) {
          throw new InputException(input + ": " + field + "[" + r + "][" + i + "] is " + shown(value)
              + ", written with a fraction or an exponent; ids are integers such as 3");
        }
        if (!value.isIntegralNumber()) {
          throw new InputException(input + ": " + field + "[" + r + "][" + i + "] is " + shown(value)
              + ", not an integer");
        }
        if (!value.canConvertToInt()) {
          throw new InputException(input + ": " + field + "[" + r + "][" + i + "] is " + shown(value)
              + ", outside the int range");
        }
        matrix[r][i] = value.intValue();
      }
    }
    return matrix;
  }

  private static String at(JsonLocation location) {
    return location == null ? "" : " (line " + location.getLineNr() + ", column "
        + location.getColumnNr() + ")";
  }

  private static String shown(JsonNode node) {
    return shown(node.toString());
  }

  /** A value as the message shows it: JSON text, cut short so that one huge value stays one line. */
  private static String shown(String text) {
    return text.length() <= SHOWN_CHARACTERS ? text : text.substring(0, SHOWN_CHARACTERS) + "...";
  }
}
