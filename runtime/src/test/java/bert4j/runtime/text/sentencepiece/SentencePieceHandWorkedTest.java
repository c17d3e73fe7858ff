package bert4j.runtime.text.sentencepiece;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import bert4j.runtime.text.Encoding;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rules that trained models rarely show, on tiny hand-made models (no normalization rules) whose
 * segmentations are worked out by hand from SentencePiece's sources: unused pieces, and the unknown
 * piece's penalty in the unigram model. Every expectation was also checked with the library
 * (python3-sentencepiece 0.1.97 loading these models as {@link ModelProtoWriter} writes them). And a
 * Java string the library cannot be given: one with a lone surrogate.
 */
class SentencePieceHandWorkedTest {
  @Test
  void bpeSplitsAnUnusedPieceBackIntoWhatItWasMergedFrom() throws SentencePieceException {
    // "ab" (unused) is merged first and "abc" is built on it; a final "ab" is split back.
    SentencePieceTokenizer bpe = model(ModelType.BPE, piece("▁", 0, PieceType.NORMAL),
        piece("a", 0, PieceType.NORMAL), piece("b", 0, PieceType.NORMAL),
        piece("c", 0, PieceType.NORMAL), piece("ab", -1, PieceType.UNUSED),
        piece("abc", -2, PieceType.NORMAL));
    assertEquals(List.of("▁", "abc"), bpe.tokenize("abc"));
    assertEquals(List.of("▁", "a", "b"), bpe.tokenize("ab"));
    assertEquals(List.of("▁", "a", "b", "▁", "abc"), bpe.tokenize("ab abc"));
  }

  @Test
  void unigramNeverUsesAnUnusedPiece() throws SentencePieceException {
    SentencePieceTokenizer unigram = model(ModelType.UNIGRAM, piece("▁", -1, PieceType.NORMAL),
        piece("a", -5, PieceType.NORMAL), piece("b", -5, PieceType.NORMAL),
        piece("ab", -0.5f, PieceType.UNUSED));
    assertEquals(List.of("▁", "a", "b"), unigram.tokenize("ab"));
  }

  @Test
  void unigramChargesAnUnknownCharacterTheLowestScoreMinusTen() throws SentencePieceException {
    // "x" is no piece, "xa" is. Through the unknown piece: -1 + (-5 - 10) + -1 = -17; through
    // "xa": -1 + -10 = -11, so "xa" wins. Without the penalty the unknown path (-7) would.
    SentencePieceTokenizer unigram = model(ModelType.UNIGRAM, piece("▁", -1, PieceType.NORMAL),
        piece("a", -1, PieceType.NORMAL), piece("xa", -10, PieceType.NORMAL),
        piece("zz", -5, PieceType.NORMAL));
    assertEquals(List.of("▁", "xa"), unigram.tokenize("xa"));
    // Alone, "x" can only be unknown: one <unk> for the run "xx", whose piece is its text.
    assertEquals(List.of("▁", "xx"), unigram.tokenize("xx"));
    assertEquals(0, unigram.encodeAsIds("xx")[1]);
  }

  @Test
  void aLoneSurrogateIsReadAsTheReplacementCharacterWithItsOwnSpan() {
    // UTF-8 cannot hold a lone surrogate, so the library never sees one; bert4j reads it as U+FFFD.
    SentencePieceTokenizer unigram = SentencePieceFixtures.model("unigram");
    assertEquals(unigram.tokenize("a\uFFFDb"), unigram.tokenize("a\uD800b"));
    Encoding lone = unigram.encode("a\uD800b");
    Encoding replaced = unigram.encode("a\uFFFDb");
    assertArrayEquals(replaced.starts(), lone.starts());
    assertArrayEquals(replaced.ends(), lone.ends());
  }

  private static Piece piece(String text, float score, PieceType type) {
    return new Piece(text, text.getBytes(StandardCharsets.UTF_8), score, type);
  }

  private static SentencePieceTokenizer model(ModelType type, Piece... normal)
      throws SentencePieceException {
    List<Piece> pieces = new ArrayList<>();
    pieces.add(piece("<unk>", 0, PieceType.UNKNOWN));
    pieces.addAll(List.of(normal));
    ModelProto model = new ModelProto(pieces, new TrainerSpec(type, false, false, "<unk>", "<s>",
        "</s>", "<pad>", " \u2047 "), new NormalizerSpec("identity", new byte[0], true, true, true),
        null);
    return SentencePieceTokenizer.fromBytes(ModelProtoWriter.write(model), "hand-made.model");
  }
}
