package bert4j.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import bert4j.runtime.FloatTensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving is atomic: the target is either the old file or the complete new one, and no temporary file stays. */
class SafeTensorsWriterTest {
  @TempDir Path dir;

  private static final FloatTensor ONE = new FloatTensor(new int[] {1}, new float[] {1});

  @Test
  void savingOverAnExistingFileReplacesIt() throws IOException {
    Path target = dir.resolve("model.safetensors");
    SafeTensorsWriter.write(target, Map.of("old", new FloatTensor(new int[] {3}, new float[] {1, 2, 3})),
        Map.of("v", "1"));
    SafeTensorsWriter.write(target, Map.of("new", ONE), Map.of());

    try (SafeTensorsReader reader = SafeTensorsReader.open(target)) {
      assertEquals(List.of("new"), reader.names());
      assertEquals(Map.of(), reader.metadata());
      assertEquals(ONE, reader.read("new"));
    }
    assertEquals(List.of("model.safetensors"), files(dir));
  }

  @Test
  void failureWhileWritingKeepsThePreviousFileAndRemovesTheTemporaryOne() throws IOException {
    Path target = dir.resolve("model.safetensors");
    SafeTensorsWriter.write(target, Map.of("w", ONE), Map.of());
    byte[] before = Files.readAllBytes(target);
    boolean[] temporaryExisted = {false};
    Map<String, FloatTensor> failing = new AbstractMap<>() {
      @Override
      public Set<Entry<String, FloatTensor>> entrySet() {
        return new AbstractSet<>() {
          @Override
          public Iterator<Entry<String, FloatTensor>> iterator() {
            return Stream.<Entry<String, FloatTensor>>of(Map.entry("w", ONE), null)
                .map(e -> {
                  if (e == null) {
                    temporaryExisted[0] = files(dir).stream().anyMatch(f -> f.startsWith("model.safetensors.tmp-"));
                    throw new IllegalStateException("source failed mid-write");
                  }
                  return e;
                })
                .iterator();
          }

          @Override
          public int size() {
            return 2;
          }
        };
      }
    };

    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> SafeTensorsWriter.write(target, failing, Map.of()));
    assertEquals("source failed mid-write", e.getMessage());
    assertTrue(temporaryExisted[0], "the failure came while the temporary file existed");
    assertArrayEquals(before, Files.readAllBytes(target));
    assertEquals(List.of("model.safetensors"), files(dir));
  }

  @Test
  void failureToRenameRemovesTheTemporaryFile() throws IOException {
    Path target = dir.resolve("taken");
    Files.createDirectory(target);
    Files.writeString(target.resolve("keep.txt"), "kept");

    assertThrows(IOException.class, () -> SafeTensorsWriter.write(target, Map.of("w", ONE), Map.of()));
    assertEquals("kept", Files.readString(target.resolve("keep.txt")));
    assertEquals(List.of("taken"), files(dir));
  }

  @Test
  void readOnlyDirectoryLeavesTheTargetUntouched() throws IOException {
    Path sub = Files.createDirectory(dir.resolve("ro"));
    Path target = sub.resolve("model.safetensors");
    SafeTensorsWriter.write(target, Map.of("w", ONE), Map.of());
    byte[] before = Files.readAllBytes(target);
    Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      assumeFalse(Files.isWritable(sub), "a read-only directory is writable for this user (root)");
      assertThrows(IOException.class, () -> SafeTensorsWriter.write(target,
          Map.of("w", new FloatTensor(new int[] {1}, new float[] {2})), Map.of()));
      assertArrayEquals(before, Files.readAllBytes(target));
      assertEquals(List.of("model.safetensors"), files(sub));
    } finally {
      Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void missingDirectoryFailsAndCreatesNothing() {
    assertThrows(NoSuchFileException.class,
        () -> SafeTensorsWriter.write(dir.resolve("no/such/dir/m.safetensors"), Map.of("w", ONE), Map.of()));
    assertEquals(List.of(), files(dir));
  }

  @Test
  void rejectsATensorNamedLikeTheMetadataAndNulls() {
    Path target = dir.resolve("m.safetensors");
    assertThrows(IllegalArgumentException.class,
        () -> SafeTensorsWriter.write(target, Map.of("__metadata__", ONE), Map.of()));
    Map<String, FloatTensor> nullTensor = new LinkedHashMap<>();
    nullTensor.put("w", null);
    assertThrows(NullPointerException.class, () -> SafeTensorsWriter.write(target, nullTensor, Map.of()));
    Map<String, String> nullValue = new LinkedHashMap<>();
    nullValue.put("k", null);
    assertThrows(NullPointerException.class, () -> SafeTensorsWriter.write(target, Map.of("w", ONE), nullValue));
    assertFalse(Files.exists(target));
    assertEquals(List.of(), files(dir));
  }

  @Test
  void writesToARelativePath() throws IOException {
    Path relative = Path.of("").toAbsolutePath().relativize(dir.resolve("rel.safetensors"));
    SafeTensorsWriter.write(relative, Map.of("w", ONE), Map.of());
    try (SafeTensorsReader reader = SafeTensorsReader.open(relative)) {
      assertEquals(ONE, reader.read("w", 1));
    }
  }

  @Test
  void aSuccessfulSaveRemovesTheTemporaryFilesOfKilledSavesToTheSameTarget() throws IOException {
    Path target = dir.resolve("model.safetensors");
    List<String> stale = List.of("model.safetensors.tmp-1a2b3c", "model.safetensors.tmp-ffffffffffffffff");
    List<String> others = List.of("model.safetensors.tmp-xyz", "model.safetensors.tmp-12.bak",
        "model.safetensors2.tmp-12", "other.safetensors.tmp-12", "model.safetensors.tmp-");
    for (String name : concat(stale, others)) {
      Files.write(dir.resolve(name), new byte[100]);
    }
    SafeTensorsWriter.write(target, Map.of("w", ONE), Map.of());
    assertEquals(concat(List.of("model.safetensors"), others).stream().sorted().toList(), files(dir));
  }

  @Test
  void aTemporaryFileThatAnotherProcessHoldsLockedIsKept() throws Exception {
    Path target = dir.resolve("model.safetensors");
    Path live = dir.resolve("model.safetensors.tmp-abc123");
    Process holder = ChildJvm.start(List.of(), HoldLock.class, live.toString());
    try {
      BufferedReader output = new BufferedReader(new InputStreamReader(holder.getInputStream(),
          StandardCharsets.UTF_8));
      assertEquals("locked", output.readLine());
      SafeTensorsWriter.write(target, Map.of("w", ONE), Map.of());
      assertTrue(Files.exists(live), "a save in progress elsewhere keeps its temporary file");
    } finally {
      holder.getOutputStream().close();
      assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
    }
    SafeTensorsWriter.write(target, Map.of("w", ONE), Map.of());
    assertEquals(List.of("model.safetensors"), files(dir), "once that process is gone, its file is stale");
  }

  @Test
  void anInterruptedSaveSaysSoAndLeavesTheFileAsItWas() throws IOException {
    Path target = dir.resolve("model.safetensors");
    SafeTensorsWriter.write(target, Map.of("w", ONE), Map.of());
    byte[] before = Files.readAllBytes(target);
    Thread.currentThread().interrupt();
    InterruptedIOException e;
    try {
      e = assertThrows(InterruptedIOException.class, () -> SafeTensorsWriter.write(target,
          Map.of("w", new FloatTensor(new int[] {2}, new float[] {3, 4})), Map.of()));
      assertTrue(Thread.currentThread().isInterrupted(), "the thread stays interrupted");
    } finally {
      Thread.interrupted();
    }
    assertEquals(target + ": the thread was interrupted while saving; the file was left as it was",
        e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(target));
    assertEquals(List.of("model.safetensors"), files(dir));
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return Stream.concat(a.stream(), b.stream()).toList();
  }

  private static List<String> files(Path directory) {
    try (Stream<Path> list = Files.list(directory)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
