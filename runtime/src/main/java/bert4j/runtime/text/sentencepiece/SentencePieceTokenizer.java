package bert4j.runtime.text.sentencepiece;

import bert4j.runtime.text.Encoding;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A SentencePiece tokenizer (the vocabularies of T5, mT5, ALBERT, XLNet, LLaMA, ...) read from a
 * {@code .model} file, in pure Java, giving the ids and pieces that Google's {@code sentencepiece}
 * library gives for the same model and text. Thread-safe.
 *
 * <p>Encoding a text:
 * <ol>
 *   <li>normalize it as the model specifies: its compiled character rules (nmt_nfkc and the like, read
 *       from the model, not built in), leading, trailing and repeated spaces dropped, spaces written as
 *       {@code ▁} (U+2581), one {@code ▁} put before the text;
 *   <li>cut the normalized text into pieces: for a unigram model, the cut with the highest total score
 *       (Viterbi); for a BPE model, merges of adjacent symbols by score; user-defined pieces are always
 *       whole; a character the vocabulary lacks becomes {@code <unk>} (a run of them one {@code <unk>}),
 *       or, when the model has byte fallback, its UTF-8 bytes as pieces {@code <0xNN>}.
 * </ol>
 * Each piece keeps the span of the original text it came from (UTF-16 indices). A piece made of
 * several pieces of one character (a byte-fallback character, a ligature that normalizes to several
 * letters) has the character's span on its last piece and an empty span at the character's start on
 * the others, as in the library. No {@code <s>} or {@code </s>} is added: a model adds what it needs
 * ({@link #eosId()} for T5).
 *
 * <p>Supported: unigram and BPE models (the model types WORD and CHAR are refused on load), with or
 * without byte fallback, user-defined symbols, whitespace as suffix, and a denormalizer applied to
 * decoded text. Not supported: sampling (subword regularization) and n-best segmentations. A text's
 * lone surrogate (which UTF-8 cannot hold, so the library never sees one) is read as U+FFFD.
 */
public final class SentencePieceTokenizer {
  private final String source;
  private final PieceTable table;
  private final ModelType modelType;
  private final Normalizer normalizer;
  private final Normalizer denormalizer;
  private final Segmenter segmenter;
  private final boolean byteFallback;
  private final boolean stripLeadingSpace;
  private final boolean removeExtraWhitespaces;
  private final byte[] unkSurface;
  /** The id that decoding treats each id as: the id of its piece's text, as the library looks it up. */
  private final int[] decodeIds;
  private final int unkId;
  private final int bosId;
  private final int eosId;
  private final int padId;

  private SentencePieceTokenizer(ModelProto model, String source) throws SentencePieceException {
    this.source = source;
    TrainerSpec trainer = model.trainerSpec();
    this.modelType = trainer.modelType();
    if (modelType != ModelType.UNIGRAM && modelType != ModelType.BPE) {
      throw new SentencePieceException(source, "model_type " + modelType
          + " is not supported (bert4j reads UNIGRAM and BPE models)");
    }
    this.table = new PieceTable(model.pieces(), trainer.byteFallback(), source);
    if (modelType == ModelType.UNIGRAM && !hasSegmentablePiece(table)) {
      throw new SentencePieceException(source, "a unigram model needs normal, user-defined or unused"
          + " pieces, and it has none");
    }
    NormalizerSpec spec = model.normalizerSpec();
    this.normalizer = new Normalizer(spec, trainer.treatWhitespaceAsSuffix(), table.userDefined, source);
    NormalizerSpec denormalizerSpec = model.denormalizerSpec();
    this.denormalizer = denormalizerSpec == null || denormalizerSpec.precompiledCharsmap().length == 0
        ? null : new Normalizer(denormalizerSpec, false, null, source);
    this.segmenter = modelType == ModelType.UNIGRAM ? new UnigramSegmenter(table)
        : new BpeSegmenter(table);
    this.byteFallback = trainer.byteFallback();
    this.stripLeadingSpace = spec.addDummyPrefix() || spec.removeExtraWhitespaces();
    this.removeExtraWhitespaces = spec.removeExtraWhitespaces();
    this.unkSurface = trainer.unkSurface().getBytes(StandardCharsets.UTF_8);
    this.decodeIds = new int[table.pieces.length];
    for (int id = 0; id < decodeIds.length; id++) {
      decodeIds[id] = table.id(table.pieces[id].text());
    }
    this.unkId = idOfType(trainer.unkPiece(), PieceType.UNKNOWN);
    this.bosId = idOfType(trainer.bosPiece(), PieceType.CONTROL);
    this.eosId = idOfType(trainer.eosPiece(), PieceType.CONTROL);
    this.padId = idOfType(trainer.padPiece(), PieceType.CONTROL);
  }

  /**
   * The tokenizer of a {@code .model} file.
   *
   * @throws SentencePieceException if the file cannot be read, is not a valid model (truncated,
   *     corrupt, inconsistent) or is of a model type this tokenizer does not support
   */
  public static SentencePieceTokenizer load(Path modelFile) throws SentencePieceException {
    if (modelFile == null) {
      throw new IllegalArgumentException("model file must not be null");
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(modelFile);
    } catch (IOException e) {
      throw new SentencePieceException(modelFile.toString(), "cannot be read: " + e, e);
    }
    return fromBytes(bytes, modelFile.toString());
  }

  /**
   * The tokenizer of a model read from a stream (for example a class-path resource), which it does not
   * close; {@code source} names it in error messages.
   */
  public static SentencePieceTokenizer read(InputStream model, String source)
      throws SentencePieceException {
    if (model == null) {
      throw new IllegalArgumentException("model stream must not be null");
    }
    try {
      return fromBytes(model.readAllBytes(), source);
    } catch (SentencePieceException e) {
      throw e;
    } catch (IOException e) {
      throw new SentencePieceException(source, "cannot be read: " + e, e);
    }
  }

  /** The tokenizer of a serialized {@code ModelProto}; {@code source} names it in error messages. */
  public static SentencePieceTokenizer fromBytes(byte[] model, String source)
      throws SentencePieceException {
    if (model == null) {
      throw new IllegalArgumentException("model bytes must not be null");
    }
    return new SentencePieceTokenizer(ModelProtoReader.read(model, source), source);
  }

  /**
   * The pieces of {@code text}: their ids ({@link Encoding#tokenIds()}), all in segment 0, and the
   * span of the text each came from ({@link Encoding#span}). No special tokens are added.
   */
  public Encoding encode(String text) {
    Output out = new Output(false);
    encode(text, out);
    int n = out.size;
    return new Encoding(Arrays.copyOf(out.ids, n), new int[n],
        Arrays.copyOf(out.starts, n), Arrays.copyOf(out.ends, n));
  }

  /** The ids of the pieces of {@code text} ({@link #encode}'s token ids). */
  public int[] encodeAsIds(String text) {
    return encode(text).tokenIds();
  }

  /**
   * The pieces of {@code text} as text, as the library's {@code encode_as_pieces}: a vocabulary piece
   * as it is in the vocabulary, a run of unknown characters as their normalized text.
   */
  public List<String> tokenize(String text) {
    Output out = new Output(true);
    encode(text, out);
    return out.pieces;
  }

  /**
   * The text of {@code ids}, as the library's {@code decode}: {@code ▁} becomes a space (the first
   * piece's leading one is dropped), consecutive byte pieces are joined into UTF-8 (a byte that
   * starts no valid character becomes U+FFFD), control pieces decode to nothing and the unknown piece
   * to the model's {@code unk_surface} (" ⁇ ").
   *
   * @throws IllegalArgumentException if {@code ids} is null or holds an id outside the vocabulary
   */
  public String decode(int[] ids) {
    if (ids == null) {
      throw new IllegalArgumentException("ids must not be null");
    }
    Utf8Builder text = new Utf8Builder();
    Utf8Builder bytes = new Utf8Builder();
    boolean atStart = true;
    boolean startSpaceSeen = false;
    for (int id : ids) {
      checkId(id);
      int piece = decodeIds[id];
      Piece entry = table.pieces[piece];
      if (entry.type() == PieceType.BYTE) {
        bytes.append((byte) PieceTable.byteOf(entry.text()));
        continue;
      }
      appendBytes(bytes, text);
      if (startSpaceSeen || text.length > 0) {
        atStart = false;
      }
      startSpaceSeen = false;
      switch (entry.type()) {
        case CONTROL -> { }
        case UNKNOWN -> text.append(unkSurface, 0, unkSurface.length);
        default -> startSpaceSeen = appendPiece(entry.utf8(), atStart, text);
      }
    }
    appendBytes(bytes, text);
    String decoded = text.toString();
    if (denormalizer == null) {
      return decoded;
    }
    Utf8Text input = new Utf8Text(decoded);
    Normalized normalized = denormalizer.normalize(input.bytes, input.length);
    return new String(normalized.bytes, 0, normalized.length, StandardCharsets.UTF_8);
  }

  /** Appends a piece with {@code ▁} as spaces; returns whether it consumed the text's leading space. */
  private boolean appendPiece(byte[] piece, boolean atStart, Utf8Builder text) {
    int from = 0;
    boolean consumedLeadingSpace = false;
    if (atStart && stripLeadingSpace && startsWithSpaceSymbol(piece, 0)) {
      from = Normalizer.SPACE_SYMBOL.length;
      consumedLeadingSpace = !removeExtraWhitespaces;
    }
    for (int i = from; i < piece.length; ) {
      if (startsWithSpaceSymbol(piece, i)) {
        text.append((byte) ' ');
        i += Normalizer.SPACE_SYMBOL.length;
      } else {
        text.append(piece[i++]);
      }
    }
    return consumedLeadingSpace;
  }

  /** Appends the pending byte pieces as UTF-8, each byte that starts no valid character as U+FFFD. */
  private static void appendBytes(Utf8Builder bytes, Utf8Builder text) {
    for (int at = 0; at < bytes.length; ) {
      int length = Utf8.validCharLength(bytes.bytes, at, bytes.length);
      if (length == 0) {
        text.append(Utf8.REPLACEMENT, 0, Utf8.REPLACEMENT.length);
        at++;
      } else {
        text.append(bytes.bytes, at, length);
        at += length;
      }
    }
    bytes.length = 0;
  }

  private static boolean startsWithSpaceSymbol(byte[] piece, int at) {
    byte[] space = Normalizer.SPACE_SYMBOL;
    return at + space.length <= piece.length && piece[at] == space[0] && piece[at + 1] == space[1]
        && piece[at + 2] == space[2];
  }

  /** Number of pieces in the vocabulary: every id is in {@code [0, vocabSize())}. */
  public int vocabSize() {
    return table.pieces.length;
  }

  /** The piece of an id; an id outside the vocabulary is an {@link IllegalArgumentException}. */
  public String idToPiece(int id) {
    checkId(id);
    return table.pieces[id].text();
  }

  /** The id of a piece, or {@link #unkId()} if the vocabulary lacks it. */
  public int pieceToId(String piece) {
    if (piece == null) {
      throw new IllegalArgumentException("piece must not be null");
    }
    return table.id(piece);
  }

  /** What the piece of an id is (normal, control, byte, ...). */
  public PieceType pieceType(int id) {
    checkId(id);
    return table.type(id);
  }

  /** The score of the piece of an id (a unigram log-probability; for BPE, its merge rank negated). */
  public float score(int id) {
    checkId(id);
    return table.pieces[id].score();
  }

  /** The model's segmentation algorithm. */
  public ModelType modelType() {
    return modelType;
  }

  /** The id of the unknown piece {@code <unk>}. */
  public int unkId() {
    return unkId;
  }

  /** The id of {@code <s>}, or −1 if the model has none. */
  public int bosId() {
    return bosId;
  }

  /** The id of {@code </s>}, or −1 if the model has none. */
  public int eosId() {
    return eosId;
  }

  /** The id of {@code <pad>}, or −1 if the model has none. */
  public int padId() {
    return padId;
  }

  /** Normalizes, segments, and writes the pieces with their spans, as the library's encoder. */
  private void encode(String text, Output out) {
    if (text == null) {
      throw new IllegalArgumentException("text to encode is null");
    }
    Utf8Text input = new Utf8Text(text);
    Normalized normalized = normalizer.normalize(input.bytes, input.length);
    Segments segments = new Segments();
    segmenter.segment(normalized.bytes, normalized.length, segments);
    int consumed = 0;
    boolean previousUnknown = false;
    for (int i = 0; i < segments.size; i++) {
      int id = segments.ids[i];
      PieceType type = table.type(id);
      boolean unknown = type == PieceType.UNKNOWN;
      if (type == PieceType.CONTROL) {
        int at = input.utf16[normalized.toInput[consumed]];
        out.add(id, table.pieces[id].text(), at, at);
      } else {
        int length = segments.ends[i] - segments.starts[i];
        int start = input.utf16[normalized.toInput[consumed]];
        int end = input.utf16[normalized.toInput[consumed + length]];
        if (unknown && byteFallback) {
          for (int b = 0; b < length; b++) {
            int byteId = table.byteIds[normalized.bytes[consumed + b] & 0xFF];
            out.add(byteId, table.pieces[byteId].text(), start, b == length - 1 ? end : start);
          }
        } else if (unknown && previousUnknown) {
          out.extendLast(normalized.bytes, consumed, length, end);
        } else {
          out.add(id, unknown ? new String(normalized.bytes, consumed, length, StandardCharsets.UTF_8)
              : table.pieces[id].text(), start, end);
        }
        consumed += length;
      }
      previousUnknown = unknown;
    }
  }

  private int idOfType(String piece, PieceType type) {
    int id = table.id(piece);
    return table.type(id) == type ? id : -1;
  }

  private static boolean hasSegmentablePiece(PieceTable table) {
    for (Piece piece : table.pieces) {
      PieceType type = piece.type();
      if (type == PieceType.NORMAL || type == PieceType.USER_DEFINED || type == PieceType.UNUSED) {
        return true;
      }
    }
    return false;
  }

  private void checkId(int id) {
    if (id < 0 || id >= table.pieces.length) {
      throw new IllegalArgumentException("id " + id + " is outside the vocabulary of "
          + table.pieces.length + " pieces of " + source);
    }
  }

  @Override
  public String toString() {
    return "SentencePieceTokenizer[" + source + ", " + modelType + ", " + table.pieces.length
        + " pieces]";
  }

  /** The pieces of one encoding as they are written: ids, spans and, if asked for, texts. */
  private static final class Output {
    int[] ids = new int[16];
    int[] starts = new int[16];
    int[] ends = new int[16];
    final List<String> pieces;
    int size;

    Output(boolean withPieces) {
      pieces = withPieces ? new ArrayList<>() : null;
    }

    void add(int id, String piece, int start, int end) {
      if (size == ids.length) {
        ids = Arrays.copyOf(ids, size * 2);
        starts = Arrays.copyOf(starts, size * 2);
        ends = Arrays.copyOf(ends, size * 2);
      }
      ids[size] = id;
      starts[size] = start;
      ends[size] = end;
      size++;
      if (pieces != null) {
        pieces.add(piece);
      }
    }

    /** Joins an unknown piece to the unknown piece before it, as the library merges a run of them. */
    void extendLast(byte[] text, int from, int length, int end) {
      ends[size - 1] = end;
      if (pieces != null) {
        String last = pieces.get(size - 1);
        pieces.set(size - 1, last + new String(text, from, length, StandardCharsets.UTF_8));
      }
    }
  }
}
