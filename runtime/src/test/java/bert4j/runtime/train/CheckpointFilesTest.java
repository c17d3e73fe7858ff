package bert4j.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import bert4j.runtime.Batch;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointFilesTest {
  @Test
  void trainerStateRoundTripsExactly(@TempDir Path dir) throws Exception {
    Map<String, Tally> metrics = new LinkedHashMap<>();
    metrics.put("acc", new Tally(7, 12));
    Map<String, Double> logs = new LinkedHashMap<>();
    logs.put("loss", 0.1 + 0.2);
    logs.put("val_f1", Double.NaN);
    TrainerState state = new TrainerState(TrainerState.FORMAT, "a.Spec", 3, 7, 10, 27,
        -123456789012345L, new Tally(1.0 / 3, 7), metrics, List.of("a.Callback"),
        List.of(new EpochResult(1, logs)), false);
    Path file = dir.resolve("trainer.json");
    JsonFiles.write(file, state);
    TrainerState read = JsonFiles.read(file, TrainerState.class);
    assertEquals(state.loss(), read.loss());
    assertEquals(state.metrics(), read.metrics());
    assertEquals(state.history().get(0).metrics().get("loss"),
        read.history().get(0).metrics().get("loss"), 0.0);
    assertEquals(List.copyOf(logs.keySet()), List.copyOf(read.history().get(0).metrics().keySet()));
    assertEquals(state.digest(), read.digest());
    assertEquals(state.toString(), read.toString());
  }

  @Test
  void digestSeesOrderAndContents() {
    Batch a = Batch.withLabels(new int[][] {{1, 2}}, new int[][] {{0, 0}}, new int[] {1});
    Batch b = Batch.withLabels(new int[][] {{1, 2}}, new int[][] {{0, 0}}, new int[] {0});
    BatchDigest ab = new BatchDigest();
    ab.add(a);
    ab.add(b);
    BatchDigest ba = new BatchDigest();
    ba.add(b);
    ba.add(a);
    BatchDigest ab2 = new BatchDigest();
    ab2.add(a);
    ab2.add(b);
    assertNotEquals(ab.value(), ba.value());
    assertEquals(ab.value(), ab2.value());
  }
}
