package bert4j.runtime.text.sentencepiece;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the fields of a serialized {@code ModelProto} ({@code sentencepiece_model.proto}) that
 * tokenization uses, with protobuf-java's {@link CodedInputStream} for the wire format; other fields
 * are skipped. A field with the wrong wire type, an enum number the proto does not define, or input
 * that ends inside a field is a {@link SentencePieceException}.
 */
final class ModelProtoReader {
  private final CodedInputStream in;
  private final String source;

  private ModelProtoReader(byte[] data, String source) {
    this.in = CodedInputStream.newInstance(data);
    this.in.setRecursionLimit(8);
    this.source = source;
  }

  /** The model in {@code data}; {@code source} names it in error messages. */
  static ModelProto read(byte[] data, String source) throws SentencePieceException {
    ModelProtoReader reader = new ModelProtoReader(data, source);
    try {
      return reader.modelProto();
    } catch (IOException e) {
      throw new SentencePieceException(source, "not a readable ModelProto (truncated or corrupt): "
          + e.getMessage(), e);
    }
  }

  private ModelProto modelProto() throws IOException {
    List<Piece> pieces = new ArrayList<>();
    TrainerSpec trainer = TrainerSpec.DEFAULT;
    NormalizerSpec normalizer = NormalizerSpec.DEFAULT;
    NormalizerSpec denormalizer = null;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> {
          int limit = enter(tag, "pieces");
          pieces.add(piece(pieces.size()));
          in.popLimit(limit);
        }
        case 2 -> {
          int limit = enter(tag, "trainer_spec");
          trainer = trainerSpec();
          in.popLimit(limit);
        }
        case 3 -> {
          int limit = enter(tag, "normalizer_spec");
          normalizer = normalizerSpec();
          in.popLimit(limit);
        }
        case 5 -> {
          int limit = enter(tag, "denormalizer_spec");
          denormalizer = normalizerSpec();
          in.popLimit(limit);
        }
        default -> in.skipField(tag);
      }
    }
    return new ModelProto(List.copyOf(pieces), trainer, normalizer, denormalizer);
  }

  private Piece piece(int index) throws IOException {
    byte[] utf8 = new byte[0];
    float score = 0;
    PieceType type = PieceType.NORMAL;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> utf8 = bytes(tag, "piece");
        case 2 -> {
          expect(tag, WireFormat.WIRETYPE_FIXED32, "piece score");
          score = in.readFloat();
        }
        case 3 -> {
          int number = enumNumber(tag, "piece type");
          type = PieceType.ofNumber(number);
          if (type == null) {
            throw new SentencePieceException(source, "piece " + index + " has type " + number
                + ", which sentencepiece_model.proto does not define");
          }
        }
        default -> in.skipField(tag);
      }
    }
    return new Piece(new String(utf8, StandardCharsets.UTF_8), utf8, score, type);
  }

  private TrainerSpec trainerSpec() throws IOException {
    TrainerSpec d = TrainerSpec.DEFAULT;
    ModelType modelType = d.modelType();
    boolean byteFallback = d.byteFallback();
    boolean suffix = d.treatWhitespaceAsSuffix();
    String unk = d.unkPiece();
    String bos = d.bosPiece();
    String eos = d.eosPiece();
    String pad = d.padPiece();
    String unkSurface = d.unkSurface();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 3 -> {
          int number = enumNumber(tag, "model_type");
          modelType = ModelType.ofNumber(number);
          if (modelType == null) {
            throw new SentencePieceException(source, "model_type " + number
                + " is not one sentencepiece_model.proto defines (1 UNIGRAM, 2 BPE, 3 WORD, 4 CHAR)");
          }
        }
        case 24 -> suffix = bool(tag, "treat_whitespace_as_suffix");
        case 35 -> byteFallback = bool(tag, "byte_fallback");
        case 44 -> unkSurface = string(tag, "unk_surface");
        case 45 -> unk = orDefault(string(tag, "unk_piece"), d.unkPiece());
        case 46 -> bos = orDefault(string(tag, "bos_piece"), d.bosPiece());
        case 47 -> eos = orDefault(string(tag, "eos_piece"), d.eosPiece());
        case 48 -> pad = orDefault(string(tag, "pad_piece"), d.padPiece());
        default -> in.skipField(tag);
      }
    }
    return new TrainerSpec(modelType, byteFallback, suffix, unk, bos, eos, pad, unkSurface);
  }

  private NormalizerSpec normalizerSpec() throws IOException {
    NormalizerSpec d = NormalizerSpec.DEFAULT;
    String name = d.name();
    byte[] charsmap = d.precompiledCharsmap();
    boolean dummyPrefix = d.addDummyPrefix();
    boolean removeExtra = d.removeExtraWhitespaces();
    boolean escape = d.escapeWhitespaces();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> name = string(tag, "normalizer name");
        case 2 -> charsmap = bytes(tag, "precompiled_charsmap");
        case 3 -> dummyPrefix = bool(tag, "add_dummy_prefix");
        case 4 -> removeExtra = bool(tag, "remove_extra_whitespaces");
        case 5 -> escape = bool(tag, "escape_whitespaces");
        default -> in.skipField(tag);
      }
    }
    return new NormalizerSpec(name, charsmap, dummyPrefix, removeExtra, escape);
  }

  /** Enters an embedded message: returns the limit to pop after reading it. */
  private int enter(int tag, String field) throws IOException {
    expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, field);
    return in.pushLimit(in.readRawVarint32());
  }

  private byte[] bytes(int tag, String field) throws IOException {
    expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, field);
    return in.readByteArray();
  }

  private String string(int tag, String field) throws IOException {
    return new String(bytes(tag, field), StandardCharsets.UTF_8);
  }

  private boolean bool(int tag, String field) throws IOException {
    expect(tag, WireFormat.WIRETYPE_VARINT, field);
    return in.readBool();
  }

  private int enumNumber(int tag, String field) throws IOException {
    expect(tag, WireFormat.WIRETYPE_VARINT, field);
    return in.readEnum();
  }

  private void expect(int tag, int wireType, String field) throws SentencePieceException {
    if (WireFormat.getTagWireType(tag) != wireType) {
      throw new SentencePieceException(source, "field " + field + " has wire type "
          + WireFormat.getTagWireType(tag) + " where the proto has " + wireType
          + ": not a SentencePiece model, or a corrupt one");
    }
  }

  private static String orDefault(String value, String fallback) {
    return value.isEmpty() ? fallback : value;
  }
}
