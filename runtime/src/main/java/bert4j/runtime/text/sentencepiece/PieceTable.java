package bert4j.runtime.text.sentencepiece;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's vocabulary, checked as SentencePiece checks it on load: no empty piece, no piece twice
 * among the segmentable pieces (normal, user-defined, unused) nor among the reserved ones (unknown,
 * control, byte), exactly one unknown piece, byte pieces only under byte fallback and then all 256.
 * Looking a piece up tries the reserved pieces first, then the segmentable ones, and gives the unknown
 * piece's id for anything else.
 */
final class PieceTable {
  private static final String HEX_DIGITS = "0123456789ABCDEF";

  final Piece[] pieces;
  final int unkId;
  /** The pieces segmentation can produce: normal, user-defined and unused. */
  final PieceTrie segmentable;
  /** The user-defined pieces, which are matched whole and never normalized or merged. */
  final PieceTrie userDefined;
  /** The id of {@code <0xNN>} for each byte, under byte fallback (else all −1). */
  final int[] byteIds = new int[256];
  private final PieceTrie reserved;
  private final Map<String, Integer> idsOfReserved = new HashMap<>();
  private final Map<String, Integer> idsOfSegmentable = new HashMap<>();

  PieceTable(List<Piece> list, boolean byteFallback, String source) throws SentencePieceException {
    if (list.isEmpty()) {
      throw new SentencePieceException(source, "it has no pieces");
    }
    pieces = list.toArray(new Piece[0]);
    List<byte[]> segmentableBytes = new ArrayList<>();
    List<byte[]> reservedBytes = new ArrayList<>();
    List<byte[]> userBytes = new ArrayList<>();
    int[] segmentableIds = new int[pieces.length];
    int[] reservedIds = new int[pieces.length];
    int[] userIds = new int[pieces.length];
    Arrays.fill(byteIds, -1);
    int unk = -1;
    for (int id = 0; id < pieces.length; id++) {
      Piece piece = pieces[id];
      if (piece.utf8().length == 0) {
        throw new SentencePieceException(source, "piece " + id + " is empty");
      }
      boolean isSegmentable = piece.type() == PieceType.NORMAL
          || piece.type() == PieceType.USER_DEFINED || piece.type() == PieceType.UNUSED;
      Map<String, Integer> ids = isSegmentable ? idsOfSegmentable : idsOfReserved;
      Integer before = ids.putIfAbsent(piece.text(), id);
      if (before != null) {
        throw new SentencePieceException(source, "piece '" + piece.text() + "' is defined twice, as ids "
            + before + " and " + id);
      }
      if (isSegmentable) {
        segmentableIds[segmentableBytes.size()] = id;
        segmentableBytes.add(piece.utf8());
      } else {
        reservedIds[reservedBytes.size()] = id;
        reservedBytes.add(piece.utf8());
      }
      switch (piece.type()) {
        case USER_DEFINED -> {
          userIds[userBytes.size()] = id;
          userBytes.add(piece.utf8());
        }
        case UNKNOWN -> {
          if (unk >= 0) {
            throw new SentencePieceException(source, "it has two unknown pieces, ids " + unk + " and "
                + id);
          }
          unk = id;
        }
        case BYTE -> {
          if (!byteFallback) {
            throw new SentencePieceException(source, "byte piece " + piece.text() + " (id " + id
                + ") in a model without byte_fallback");
          }
          int value = byteOf(piece.text());
          if (value < 0) {
            throw new SentencePieceException(source, "byte piece '" + piece.text() + "' (id " + id
                + ") is not of the form <0xNN>");
          }
          byteIds[value] = id;
        }
        default -> { }
      }
    }
    if (unk < 0) {
      throw new SentencePieceException(source, "it has no unknown piece (type UNKNOWN)");
    }
    if (byteFallback) {
      for (int b = 0; b < 256; b++) {
        if (byteIds[b] < 0) {
          throw new SentencePieceException(source, String.format(
              "byte_fallback is on but the byte piece <0x%02X> is missing (all 256 are needed)", b));
        }
      }
    }
    unkId = unk;
    segmentable = new PieceTrie(segmentableBytes, segmentableIds);
    reserved = new PieceTrie(reservedBytes, reservedIds);
    userDefined = new PieceTrie(userBytes, userIds);
  }

  /** The id of {@code piece}: reserved pieces first, then segmentable ones, else the unknown id. */
  int id(String piece) {
    Integer id = idsOfReserved.get(piece);
    if (id == null) {
      id = idsOfSegmentable.get(piece);
    }
    return id == null ? unkId : id;
  }

  /** {@link #id(String)} of the piece {@code bytes[from, to)}. */
  int id(byte[] bytes, int from, int to) {
    int id = reserved.find(bytes, from, to);
    if (id < 0) {
      id = segmentable.find(bytes, from, to);
    }
    return id < 0 ? unkId : id;
  }

  PieceType type(int id) {
    return pieces[id].type();
  }

  /** The byte of a piece {@code <0xNN>} (two upper-case hex digits), or −1 for any other text. */
  static int byteOf(String piece) {
    if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
      return -1;
    }
    int high = HEX_DIGITS.indexOf(piece.charAt(3));
    int low = HEX_DIGITS.indexOf(piece.charAt(4));
    return high < 0 || low < 0 ? -1 : high * 16 + low;
  }
}
