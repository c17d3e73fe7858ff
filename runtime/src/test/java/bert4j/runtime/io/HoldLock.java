package bert4j.runtime.io;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Plays a save in progress in another process: creates {@code args[0]}, locks it as
 * {@link TemporaryFile} does, prints "locked", and holds the lock until its standard input closes.
 */
final class HoldLock {
  private HoldLock() {}

  public static void main(String[] args) throws Exception {
    try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      channel.lock();
      System.out.println("locked");
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for the parent to close our input
      }
    }
  }
}
