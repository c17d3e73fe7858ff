package bert4j.runtime.text.sentencepiece;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The fixtures that {@code make.py} (beside them) made with the reference library, Debian's
 * python3-sentencepiece 0.1.97: the three models it trained and what the library gives for the test
 * lines.
 */
final class SentencePieceFixtures {
  static final String DIRECTORY = "/bert4j/runtime/text/sentencepiece/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private SentencePieceFixtures() {
  }

  /** The model {@code name} ("unigram", "bpe" or "options"). */
  static SentencePieceTokenizer model(String name) {
    try (InputStream in = resource(name + ".model")) {
      return SentencePieceTokenizer.read(in, name + ".model");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The bytes of the model file {@code name}. */
  static byte[] modelBytes(String name) {
    try (InputStream in = resource(name + ".model")) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The 2,000 test lines: {"text", "unigram": {ids, pieces, starts, ends, decoded}, "bpe": {...},
   * "options": {...}}.
   */
  static List<JsonNode> cases() {
    return jsonLines("cases.jsonl.gz");
  }

  /** Random id sequences and their decoding: {"model", "ids", "text"}. */
  static List<JsonNode> decodeCases() {
    return jsonLines("decode.jsonl.gz");
  }

  static int[] ints(JsonNode array) {
    int[] values = new int[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = array.get(i).asInt();
    }
    return values;
  }

  static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(node -> values.add(node.asText()));
    return values;
  }

  private static List<JsonNode> jsonLines(String name) {
    List<JsonNode> lines = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(resource(name)), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lines.add(JSON.readTree(line));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return lines;
  }

  private static InputStream resource(String name) {
    InputStream in = SentencePieceFixtures.class.getResourceAsStream(DIRECTORY + name);
    if (in == null) {
      throw new IllegalStateException("test resource " + DIRECTORY + name + " is missing");
    }
    return in;
  }
}
