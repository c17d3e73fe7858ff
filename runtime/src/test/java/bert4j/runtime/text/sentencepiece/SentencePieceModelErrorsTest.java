package bert4j.runtime.text.sentencepiece;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models that cannot be used are refused on load with a {@link SentencePieceException} that names the
 * source and the problem: truncated or corrupt files, models SentencePiece itself refuses (no unknown
 * piece, a piece twice, byte pieces that do not match byte fallback), broken normalization rules, and
 * model types bert4j does not support. Corrupting any byte gives that error or a model that still
 * encodes and decodes, never another exception.
 */
class SentencePieceModelErrorsTest {
  private static final byte[] UNIGRAM = SentencePieceFixtures.modelBytes("unigram");
  private static final String[] SAMPLES = {"Hello, 世界！ ＡＢＣ 😀 <mask>", "  多  空格 ", "𠀀①㍿"};

  @Test
  void aRewrittenModelEncodesAsTheOriginal() throws SentencePieceException {
    SentencePieceTokenizer original = SentencePieceFixtures.model("unigram");
    SentencePieceTokenizer rewritten = load(model -> model);
    for (String sample : SAMPLES) {
      assertArrayEquals(original.encodeAsIds(sample), rewritten.encodeAsIds(sample), sample);
    }
  }

  @Test
  void aTruncatedModelIsRefused() {
    byte[] half = Arrays.copyOf(UNIGRAM, UNIGRAM.length / 2);
    SentencePieceException e = assertThrows(SentencePieceException.class,
        () -> SentencePieceTokenizer.fromBytes(half, "half.model"));
    assertMessage(e, "SentencePiece model half.model: not a readable ModelProto (truncated or corrupt)");
  }

  @Test
  void everyTruncationIsRefusedOrLoadsAModelThatWorks() {
    List<Integer> refused = new ArrayList<>();
    for (int length = 0; length < UNIGRAM.length; length += 1 + length / 8) {
      if (!loadsAndWorks(Arrays.copyOf(UNIGRAM, length))) {
        refused.add(length);
      }
    }
    assertTrue(refused.size() > 10, "refused: " + refused);
  }

  @Test
  void aFileThatIsNotAModelIsRefused(@TempDir Path dir) throws Exception {
    Path text = dir.resolve("vocab.txt");
    Files.writeString(text, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n你\n好\n", StandardCharsets.UTF_8);
    SentencePieceException e = assertThrows(SentencePieceException.class,
        () -> SentencePieceTokenizer.load(text));
    assertTrue(e.getMessage().startsWith("SentencePiece model " + text + ": "), e.getMessage());
  }

  @Test
  void aMissingFileIsRefused(@TempDir Path dir) {
    Path missing = dir.resolve("missing.model");
    SentencePieceException e = assertThrows(SentencePieceException.class,
        () -> SentencePieceTokenizer.load(missing));
    assertMessage(e, "SentencePiece model " + missing + ": cannot be read");
  }

  @Test
  void corruptingAnyByteGivesAClearErrorOrAWorkingModel() {
    SplittableRandom random = new SplittableRandom(15);
    int refused = 0;
    for (int trial = 0; trial < 200; trial++) {
      byte[] corrupt = UNIGRAM.clone();
      // Half the trials hit the vocabulary and specs at the front, the rest anywhere.
      int at = random.nextInt(trial % 2 == 0 ? 4000 : corrupt.length);
      corrupt[at] = (byte) random.nextInt(256);
      refused += loadsAndWorks(corrupt) ? 0 : 1;
    }
    assertTrue(refused > 0, "no corruption was refused");
  }

  @Test
  void unsupportedModelTypesAreRefused() {
    for (ModelType type : new ModelType[] {ModelType.WORD, ModelType.CHAR}) {
      SentencePieceException e = assertThrows(SentencePieceException.class,
          () -> load(model -> withTrainer(model, type, model.trainerSpec().byteFallback())));
      assertMessage(e, "model_type " + type + " is not supported (bert4j reads UNIGRAM and BPE models)");
    }
  }

  @Test
  void anUnknownModelTypeNumberIsRefused() {
    byte[] model = ModelProtoWriter.write(model(m -> m));
    // One more trainer_spec (field 2, 2 bytes) holding model_type (field 3, varint) 9.
    byte[] bytes = Arrays.copyOf(model, model.length + 4);
    System.arraycopy(new byte[] {0x12, 0x02, 0x18, 0x09}, 0, bytes, model.length, 4);
    SentencePieceException e = assertThrows(SentencePieceException.class,
        () -> SentencePieceTokenizer.fromBytes(bytes, "m"));
    assertMessage(e, "model_type 9 is not one sentencepiece_model.proto defines");
  }

  @Test
  void aModelWithoutAnUnknownPieceIsRefused() {
    SentencePieceException e = assertThrows(SentencePieceException.class,
        () -> load(model -> withPieces(model, (id, piece) -> piece.type() == PieceType.UNKNOWN
            ? new Piece(piece.text(), piece.utf8(), piece.score(), PieceType.CONTROL) : piece)));
    assertMessage(e, "it has no unknown piece");
  }

  @Test
  void aPieceDefinedTwiceIsRefused() {
    SentencePieceException e = assertThrows(SentencePieceException.class,
        () -> load(model -> withPieces(model, (id, piece) -> id == 1000 ? copy(model, 999) : piece)));
    assertMessage(e, "piece '" + model(m -> m).pieces().get(999).text()
        + "' is defined twice, as ids 999 and 1000");
  }

  @Test
  void anEmptyPieceIsRefused() {
    SentencePieceException e = assertThrows(SentencePieceException.class,
        () -> load(model -> withPieces(model, (id, piece) -> id == 7
            ? new Piece("", new byte[0], 0, PieceType.NORMAL) : piece)));
    assertMessage(e, "piece 7 is empty");
  }

  @Test
  void bytePiecesMustMatchByteFallback() {
    SentencePieceException off = assertThrows(SentencePieceException.class,
        () -> load(model -> withTrainer(model, ModelType.UNIGRAM, false)));
    assertMessage(off, "byte piece <0x00> (id 5) in a model without byte_fallback");
    SentencePieceException missing = assertThrows(SentencePieceException.class,
        () -> load(model -> withPieces(model, (id, piece) -> piece.text().equals("<0x41>")
            ? new Piece("A-byte", "A-byte".getBytes(StandardCharsets.UTF_8), 0, PieceType.CONTROL)
            : piece)));
    assertMessage(missing, "byte_fallback is on but the byte piece <0x41> is missing");
  }

  @Test
  void brokenNormalizationRulesAreRefused() {
    byte[] rules = model(m -> m).normalizerSpec().precompiledCharsmap();
    byte[] oversized = rules.clone();
    oversized[3] = 0x7F; // the trie's size, little-endian: now far beyond the blob
    assertMessage(assertThrows(SentencePieceException.class, () -> load(m -> withRules(m, oversized))),
        "the normalization rules (precompiled_charsmap) are broken: its trie of");
    byte[] unterminated = rules.clone();
    int trieBytes = (rules[0] & 0xFF) | (rules[1] & 0xFF) << 8 | (rules[2] & 0xFF) << 16;
    Arrays.fill(unterminated, 4 + trieBytes, rules.length, (byte) 'x'); // no replacement ends
    assertMessage(assertThrows(SentencePieceException.class,
        () -> load(m -> withRules(m, unterminated))),
        "the normalization rules (precompiled_charsmap) are broken: a rule's replacement at");
    assertMessage(assertThrows(SentencePieceException.class,
        () -> load(m -> withRules(m, new byte[] {1, 0, 0}))),
        "the normalization rules (precompiled_charsmap) are broken: it has 3 bytes");
  }

  private static boolean loadsAndWorks(byte[] bytes) {
    SentencePieceTokenizer tokenizer;
    try {
      tokenizer = SentencePieceTokenizer.fromBytes(bytes, "corrupt.model");
    } catch (SentencePieceException e) {
      assertTrue(e.getMessage().startsWith("SentencePiece model corrupt.model: "), e.getMessage());
      return false;
    }
    for (String sample : SAMPLES) {
      int[] ids = tokenizer.encodeAsIds(sample);
      tokenizer.tokenize(sample);
      tokenizer.decode(ids);
    }
    return true;
  }

  private static void assertMessage(Exception e, String start) {
    String message = e.getMessage();
    assertTrue(message.startsWith(start) || message.contains(": " + start), message);
  }

  private static ModelProto model(UnaryOperator<ModelProto> change) {
    try {
      return change.apply(ModelProtoReader.read(UNIGRAM, "unigram.model"));
    } catch (SentencePieceException e) {
      throw new AssertionError(e);
    }
  }

  private static SentencePieceTokenizer load(UnaryOperator<ModelProto> change)
      throws SentencePieceException {
    return SentencePieceTokenizer.fromBytes(ModelProtoWriter.write(model(change)), "changed.model");
  }

  private interface PieceChange {
    Piece apply(int id, Piece piece);
  }

  private static ModelProto withPieces(ModelProto model, PieceChange change) {
    List<Piece> pieces = new ArrayList<>();
    for (int id = 0; id < model.pieces().size(); id++) {
      pieces.add(change.apply(id, model.pieces().get(id)));
    }
    return new ModelProto(pieces, model.trainerSpec(), model.normalizerSpec(),
        model.denormalizerSpec());
  }

  private static Piece copy(ModelProto model, int id) {
    Piece piece = model.pieces().get(id);
    return new Piece(piece.text(), piece.utf8(), piece.score(), piece.type());
  }

  private static ModelProto withTrainer(ModelProto model, ModelType type, boolean byteFallback) {
    TrainerSpec t = model.trainerSpec();
    return new ModelProto(model.pieces(), new TrainerSpec(type, byteFallback,
        t.treatWhitespaceAsSuffix(), t.unkPiece(), t.bosPiece(), t.eosPiece(), t.padPiece(),
        t.unkSurface()), model.normalizerSpec(), model.denormalizerSpec());
  }

  private static ModelProto withRules(ModelProto model, byte[] rules) {
    NormalizerSpec n = model.normalizerSpec();
    return new ModelProto(model.pieces(), model.trainerSpec(), new NormalizerSpec(n.name(), rules,
        n.addDummyPrefix(), n.removeExtraWhitespaces(), n.escapeWhitespaces()), null);
  }

  @Test
  void theFixtureModelsDescribeThemselves() {
    SentencePieceTokenizer unigram = SentencePieceFixtures.model("unigram");
    assertEquals(ModelType.UNIGRAM, unigram.modelType());
    assertEquals(4000, unigram.vocabSize());
    assertEquals(0, unigram.padId());
    assertEquals(1, unigram.eosId());
    assertEquals(2, unigram.unkId());
    assertEquals(-1, unigram.bosId());
    assertEquals("<mask>", unigram.idToPiece(3));
    assertEquals(PieceType.USER_DEFINED, unigram.pieceType(3));
    assertEquals(PieceType.BYTE, unigram.pieceType(unigram.pieceToId("<0xFF>")));
    assertEquals(unigram.unkId(), unigram.pieceToId("no such piece"));
    SentencePieceTokenizer bpe = SentencePieceFixtures.model("bpe");
    assertEquals(ModelType.BPE, bpe.modelType());
    assertEquals(0, bpe.unkId());
    assertEquals(1, bpe.bosId());
    assertEquals(2, bpe.eosId());
    assertEquals(-1, bpe.padId());
    assertThrows(IllegalArgumentException.class, () -> bpe.idToPiece(4000));
    assertThrows(IllegalArgumentException.class, () -> bpe.decode(new int[] {5, -1}));
    assertThrows(IllegalArgumentException.class, () -> bpe.encode(null));
  }
}
