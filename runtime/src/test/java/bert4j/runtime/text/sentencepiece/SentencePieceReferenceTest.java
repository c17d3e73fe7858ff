package bert4j.runtime.text.sentencepiece;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.text.Encoding;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Against the reference library (python3-sentencepiece 0.1.97, fixtures by {@code make.py}): for the
 * three models (unigram with byte fallback, BPE with {@code <unk>}, and BPE with byte fallback, no
 * normalization rules, the non-default whitespace options and denormalization rules) and all 2,000
 * test lines, the ids, pieces, spans and decoded text equal the library's, and the lines exercise what
 * they are there for (byte fallback, unknown runs, user-defined symbols, spaces to drop, rules that
 * change the text).
 */
class SentencePieceReferenceTest {
  private static final List<JsonNode> CASES = SentencePieceFixtures.cases();

  @ParameterizedTest
  @ValueSource(strings = {"unigram", "bpe", "options"})
  void idsPiecesSpansAndDecodingEqualTheLibrarysOnEveryLine(String name) {
    SentencePieceTokenizer tokenizer = SentencePieceFixtures.model(name);
    assertEquals(2000, CASES.size());
    List<String> mismatches = new ArrayList<>();
    for (JsonNode line : CASES) {
      String text = line.get("text").asText();
      JsonNode expected = line.get(name);
      Encoding encoding = tokenizer.encode(text);
      List<String> pieces = tokenizer.tokenize(text);
      int[] ids = SentencePieceFixtures.ints(expected.get("ids"));
      String problem = !Arrays.equals(ids, encoding.tokenIds()) ? "ids " + Arrays.toString(
          encoding.tokenIds()) + " expected " + Arrays.toString(ids)
          : !SentencePieceFixtures.strings(expected.get("pieces")).equals(pieces) ? "pieces " + pieces
              + " expected " + expected.get("pieces")
          : !Arrays.equals(SentencePieceFixtures.ints(expected.get("starts")), encoding.starts())
              ? "starts " + Arrays.toString(encoding.starts()) + " expected " + expected.get("starts")
          : !Arrays.equals(SentencePieceFixtures.ints(expected.get("ends")), encoding.ends())
              ? "ends " + Arrays.toString(encoding.ends()) + " expected " + expected.get("ends")
          : !expected.get("decoded").asText().equals(tokenizer.decode(ids)) ? "decoded '"
              + tokenizer.decode(ids) + "' expected '" + expected.get("decoded").asText() + "'"
          : null;
      if (problem != null) {
        mismatches.add("'" + text + "': " + problem);
      }
    }
    assertTrue(mismatches.isEmpty(), mismatches.size() + " of " + CASES.size()
        + " lines differ from the library, first: " + mismatches.subList(0,
        Math.min(5, mismatches.size())));
  }

  @ParameterizedTest
  @ValueSource(strings = {"unigram", "bpe", "options"})
  void decodingRandomIdsEqualsTheLibrarys(String name) {
    SentencePieceTokenizer tokenizer = SentencePieceFixtures.model(name);
    int checked = 0;
    for (JsonNode c : SentencePieceFixtures.decodeCases()) {
      if (c.get("model").asText().equals(name)) {
        int[] ids = SentencePieceFixtures.ints(c.get("ids"));
        assertEquals(c.get("text").asText(), tokenizer.decode(ids), Arrays.toString(ids));
        checked++;
      }
    }
    assertEquals(300, checked);
  }

  @ParameterizedTest
  @ValueSource(strings = {"unigram", "bpe", "options"})
  void theLinesExerciseTheHardCases(String name) {
    SentencePieceTokenizer tokenizer = SentencePieceFixtures.model(name);
    int bytePieces = 0;
    int unknownRuns = 0;
    int userDefined = 0;
    int spacesDropped = 0;
    int rewritten = 0;
    int denormalized = 0;
    for (JsonNode line : CASES) {
      String text = line.get("text").asText();
      for (int id : SentencePieceFixtures.ints(line.get(name).get("ids"))) {
        PieceType type = tokenizer.pieceType(id);
        bytePieces += type == PieceType.BYTE ? 1 : 0;
        unknownRuns += type == PieceType.UNKNOWN ? 1 : 0;
        userDefined += type == PieceType.USER_DEFINED ? 1 : 0;
      }
      spacesDropped += text.contains("  ") || text.startsWith(" ") ? 1 : 0;
      String joined = String.join("", SentencePieceFixtures.strings(line.get(name).get("pieces")));
      rewritten += text.contains("\uff21") || text.contains("\u3000") ? 1 : 0;
      denormalized += text.contains("!") && line.get(name).get("decoded").asText().contains("\uff01")
          ? 1 : 0;
      assertTrue(!joined.contains(" "), "a piece holds a plain space: " + joined);
    }
    if (!name.equals("bpe")) {
      assertTrue(bytePieces > 100, "byte pieces: " + bytePieces);
      assertEquals(0, unknownRuns, "a byte-fallback model never gives <unk>");
    } else {
      assertEquals(0, bytePieces);
      assertTrue(unknownRuns > 100, "unknown runs: " + unknownRuns);
    }
    assertTrue(userDefined > 50, "user-defined pieces: " + userDefined);
    assertTrue(spacesDropped > 100, "lines with spaces to drop: " + spacesDropped);
    assertTrue(rewritten > 50, "lines with full-width characters: " + rewritten);
    if (name.equals("options")) {
      assertTrue(denormalized > 10, "lines whose ! the denormalizer made full-width: " + denormalized);
    }
  }
}
