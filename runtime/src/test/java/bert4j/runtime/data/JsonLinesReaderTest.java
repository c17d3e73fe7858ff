package bert4j.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesReaderTest {
  @TempDir
  Path dir;

  private static List<JsonRow> read(String text) throws IOException {
    return JsonLinesReader.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)),
        "train.jsonl");
  }

  private static MalformedDataException failure(String text) {
    return assertThrows(MalformedDataException.class, () -> read(text));
  }

  @Test
  void readsObjectsWithTheirLineNumbers() throws IOException {
    List<JsonRow> rows = read("\uFEFF{\"text\": \"很快，好吃\", \"label\": 1}\r\n\n"
        + "  \n{\"text\": \"太慢了\", \"label\": 0, \"tags\": [\"B\", \"I\"]}");
    assertEquals(2, rows.size());
    assertEquals("很快，好吃", rows.get(0).text("text"));
    assertEquals(1, rows.get(0).integer("label"));
    assertEquals(1, rows.get(0).line());
    assertEquals(4, rows.get(1).line());
    assertEquals("I", rows.get(1).get("tags").get(1).textValue());
    assertTrue(rows.get(1).has("tags"));
    assertFalse(rows.get(0).has("tags"));
  }

  @Test
  void readsFiles() throws IOException {
    Path file = dir.resolve("data.jsonl");
    Files.writeString(file, "{\"a\": \"x\"}\n");
    assertEquals("x", JsonLinesReader.read(file).get(0).text("a"));
    NoSuchFileException e = assertThrows(NoSuchFileException.class,
        () -> JsonLinesReader.read(dir.resolve("missing.jsonl")));
    assertTrue(e.getMessage().contains("missing.jsonl"));
  }

  @Test
  void invalidJsonNamesTheLine() {
    MalformedDataException e = failure("{\"a\": 1}\n{\"a\": 1,}\n");
    assertEquals(2, e.line());
    assertTrue(e.getMessage().startsWith("train.jsonl:2: not valid JSON at column "), e.getMessage());
    assertTrue(failure("{\"a\": 1} trailing\n").getMessage().startsWith("train.jsonl:1: not valid JSON"));
  }

  @Test
  void aLineMustBeAnObject() {
    assertEquals("train.jsonl:2: expected a JSON object, found an array",
        failure("{}\n[1, 2]\n").getMessage());
    assertEquals("train.jsonl:1: expected a JSON object, found a string (\"text\")",
        failure("\"text\"\n").getMessage());
  }

  @Test
  void typedFieldsSayWhatWasExpected() throws IOException {
    JsonRow row =
        read("\n{\"text\": 3, \"label\": \"1\", \"score\": 0.5, \"big\": 3000000000}").get(0);
    assertEquals("train.jsonl:2: field \"text\" is an integer (3), expected a string",
        assertThrows(MalformedDataException.class, () -> row.text("text")).getMessage());
    assertEquals("train.jsonl:2: field \"big\" is 3000000000, outside the range of an int",
        assertThrows(MalformedDataException.class, () -> row.integer("big")).getMessage());
    assertEquals("train.jsonl:2: field \"label\" is a string (\"1\"), expected an integer",
        assertThrows(MalformedDataException.class, () -> row.integer("label")).getMessage());
    assertEquals("train.jsonl:2: field \"score\" is a fractional number (0.5), expected an integer",
        assertThrows(MalformedDataException.class, () -> row.integer("score")).getMessage());
    assertEquals("train.jsonl:2: field \"tags\" is missing (fields: text, label, score, big)",
        assertThrows(MalformedDataException.class, () -> row.get("tags")).getMessage());
    assertEquals("train.jsonl:2: label must be 0 or 1", row.error("label must be 0 or 1").getMessage());
  }

  @Test
  void notUtf8NamesTheLine() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write("{\"a\": \"ok\"}\n{\"a\": \"caf".getBytes(StandardCharsets.UTF_8));
    bytes.write(0xE9);
    bytes.write("\"}\n".getBytes(StandardCharsets.UTF_8));
    MalformedDataException e = assertThrows(MalformedDataException.class,
        () -> JsonLinesReader.read(new ByteArrayInputStream(bytes.toByteArray()), "latin1.jsonl"));
    assertEquals("latin1.jsonl:2: not valid UTF-8", e.getMessage());
  }
}
