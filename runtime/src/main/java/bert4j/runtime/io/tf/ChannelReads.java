package bert4j.runtime.io.tf;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Positional reads that fill their buffer or fail naming the file: the end of file and interrupts. */
final class ChannelReads {
  private ChannelReads() {}

  /** Fills {@code target} from {@code position} on; {@code what} names the bytes in the message. */
  static void readFully(Path file, FileChannel channel, ByteBuffer target, long position, String what)
      throws IOException {
    long at = position;
    while (target.hasRemaining()) {
      int n;
      try {
        n = channel.read(target, at);
      } catch (ClosedByInterruptException e) {
        throw interrupted(file, "reading " + what + "; the reader is closed", e);
      }
      if (n < 0) {
        throw new TfCheckpointFormatException(file, "the file ended at byte " + at + " while reading " + what
            + " (was it truncated while open?)");
      }
      at += n;
    }
  }

  /** The interrupt that closed the channel, as an {@link InterruptedIOException} naming the file. */
  static InterruptedIOException interrupted(Path file, String doing, ClosedByInterruptException cause) {
    InterruptedIOException interrupted = new InterruptedIOException(file + ": the thread was interrupted while "
        + doing);
    interrupted.initCause(cause);
    return interrupted;
  }
}
