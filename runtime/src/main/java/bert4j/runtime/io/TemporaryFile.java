package bert4j.runtime.io;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLockInterruptionException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The temporary file of one save, {@code <name>.tmp-<hex>} beside the target: open for writing and
 * exclusively locked until it is renamed over the target or, on {@link #close} without a rename,
 * deleted. Because the operating system drops a dead process's locks, a temporary file that nobody can
 * lock was left by a save that was killed; {@link #removeStale} deletes those. Saves in progress in this
 * JVM are known by path and never opened (closing a second channel on a file may drop this JVM's own
 * lock on it).
 */
public final class TemporaryFile implements AutoCloseable {
  private static final Pattern SUFFIX = Pattern.compile("\\.tmp-[0-9a-f]{1,16}");
  private static final Set<Path> IN_PROGRESS = ConcurrentHashMap.newKeySet();

  private final Path path;
  private final FileChannel channel;
  private boolean moved;

  private TemporaryFile(Path path, FileChannel channel) {
    this.path = path;
    this.channel = channel;
  }

  /** A new, empty, locked temporary file for {@code target}, in the target's directory. */
  public static TemporaryFile create(Path target) throws IOException {
    Path absolute = target.toAbsolutePath();
    while (true) {
      Path path = absolute.resolveSibling(absolute.getFileName() + ".tmp-"
          + Long.toHexString(ThreadLocalRandom.current().nextLong()));
      FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      IN_PROGRESS.add(path);
      TemporaryFile temporary = new TemporaryFile(path, channel);
      try {
        lock(channel);
      } catch (Throwable t) {
        temporary.close();
        throw t;
      }
      if (Files.exists(path)) {
        return temporary;
      }
      // another process's cleanup found it unlocked, just before the lock, and deleted it: start over
      temporary.close();
    }
  }

  /** The channel to write the file's bytes through. */
  public FileChannel channel() {
    return channel;
  }

  /** Renames the file over {@code target} (atomically where the file system can), still locked. */
  public void moveTo(Path target) throws IOException {
    try {
      Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(path, target, StandardCopyOption.REPLACE_EXISTING);
    }
    moved = true;
  }

  /** Closes the channel (dropping the lock) and deletes the file unless it was moved. */
  @Override
  public void close() throws IOException {
    try (channel) {
      if (!moved) {
        Files.deleteIfExists(path);
      }
    } finally {
      IN_PROGRESS.remove(path);
    }
  }

  /**
   * Deletes the temporary files of {@code target} that saves killed earlier left behind. Best effort: a
   * file that cannot be listed, locked or deleted stays; the save that calls this has succeeded whatever
   * happens here.
   */
  public static void removeStale(Path target) {
    Path absolute = target.toAbsolutePath();
    String prefix = absolute.getFileName().toString();
    DirectoryStream.Filter<Path> ofTarget = p -> {
      String name = p.getFileName().toString();
      return name.startsWith(prefix) && SUFFIX.matcher(name).region(prefix.length(), name.length()).matches();
    };
    try (DirectoryStream<Path> candidates = Files.newDirectoryStream(absolute.getParent(), ofTarget)) {
      for (Path candidate : candidates) {
        if (!IN_PROGRESS.contains(candidate)) {
          removeIfAbandoned(candidate);
        }
      }
    } catch (IOException | RuntimeException e) {
      // the directory cannot be listed now: the stale files wait for a later save
    }
  }

  private static void removeIfAbandoned(Path candidate) {
    try (FileChannel channel = FileChannel.open(candidate, StandardOpenOption.WRITE)) {
      if (channel.tryLock() != null) {
        Files.deleteIfExists(candidate);
      }
    } catch (IOException | RuntimeException e) {
      // deleted meanwhile, not ours to open, or a file system without locks: leave it
    }
  }

  /** Locks the whole file where the file system can; where it cannot, {@link #removeStale} cannot either. */
  private static void lock(FileChannel channel) throws IOException {
    try {
      channel.lock();
    } catch (FileLockInterruptionException | ClosedChannelException e) {
      throw e;
    } catch (IOException e) {
      // no locks on this file system: removeIfAbandoned's tryLock fails the same way and deletes nothing
    }
  }
}
