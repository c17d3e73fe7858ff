package bert4j.runtime.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The lines of a UTF-8 stream, one at a time, without their terminators ({@code \n} or {@code \r\n}) and
 * without a leading byte-order mark. Bytes that are not UTF-8 are an error naming their line, which a
 * reader that decodes ahead of the line it returns could not do.
 */
final class Utf8Lines {
  private final InputStream in;
  private final String source;
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  private byte[] buffer = new byte[256];
  private long number;

  Utf8Lines(InputStream in, String source) {
    if (in == null) {
      throw new IllegalArgumentException("no stream to read " + source + " from");
    }
    this.in = new BufferedInputStream(in, 1 << 16);
    this.source = source;
  }

  /** The 1-based number of the line {@link #next} returned last. */
  long number() {
    return number;
  }

  /** The next line, or null at the end of the stream. */
  String next() throws IOException {
    int length = 0;
    int b = in.read();
    if (b < 0) {
      return null;
    }
    while (b >= 0 && b != '\n') {
      if (length == buffer.length) {
        buffer = Arrays.copyOf(buffer, length * 2);
      }
      buffer[length++] = (byte) b;
      b = in.read();
    }
    number++;
    if (length > 0 && buffer[length - 1] == '\r') {
      length--;
    }
    int start = 0;
    if (number == 1 && length >= 3 && (buffer[0] & 0xFF) == 0xEF && (buffer[1] & 0xFF) == 0xBB
        && (buffer[2] & 0xFF) == 0xBF) {
      start = 3;
    }
    try {
      return decoder.decode(ByteBuffer.wrap(buffer, start, length - start)).toString();
    } catch (CharacterCodingException e) {
      throw new MalformedDataException(source, number, "not valid UTF-8", e);
    }
  }
}
