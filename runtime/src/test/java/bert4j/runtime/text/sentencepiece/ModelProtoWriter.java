package bert4j.runtime.text.sentencepiece;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Serializes a {@link ModelProto} back to {@code .model} bytes (the fields the reader reads), so that
 * tests can make broken or unusual models from a real one.
 */
final class ModelProtoWriter {
  private ModelProtoWriter() {
  }

  static byte[] write(ModelProto model) {
    return message(out -> {
      for (Piece piece : model.pieces()) {
        out.writeByteArray(1, message(p -> {
          p.writeByteArray(1, piece.utf8());
          p.writeFloat(2, piece.score());
          p.writeEnum(3, piece.type().number());
        }));
      }
      TrainerSpec t = model.trainerSpec();
      out.writeByteArray(2, message(p -> {
        p.writeEnum(3, t.modelType().number());
        p.writeBool(24, t.treatWhitespaceAsSuffix());
        p.writeBool(35, t.byteFallback());
        p.writeByteArray(44, utf8(t.unkSurface()));
        p.writeByteArray(45, utf8(t.unkPiece()));
        p.writeByteArray(46, utf8(t.bosPiece()));
        p.writeByteArray(47, utf8(t.eosPiece()));
        p.writeByteArray(48, utf8(t.padPiece()));
      }));
      out.writeByteArray(3, normalizer(model.normalizerSpec()));
      if (model.denormalizerSpec() != null) {
        out.writeByteArray(5, normalizer(model.denormalizerSpec()));
      }
    });
  }

  private static byte[] normalizer(NormalizerSpec spec) {
    return message(p -> {
      p.writeByteArray(1, utf8(spec.name()));
      p.writeByteArray(2, spec.precompiledCharsmap());
      p.writeBool(3, spec.addDummyPrefix());
      p.writeBool(4, spec.removeExtraWhitespaces());
      p.writeBool(5, spec.escapeWhitespaces());
    });
  }

  private interface Fields {
    void write(CodedOutputStream out) throws IOException;
  }

  private static byte[] message(Fields fields) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      fields.write(out);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
