package bert4j.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
  /** A clock the test moves: nanoseconds. */
  private long now;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private String printed() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static Map<String, Double> values(double loss, double acc) {
    Map<String, Double> values = new LinkedHashMap<>();
    values.put("loss", loss);
    values.put("acc", acc);
    return values;
  }

  @Test
  void barAsKerasDrawsIt() {
    assertEquals(" 12/100 [==>...........................]", ProgressBar.bar(12, 100));
    assertEquals("  1/100 [..............................]", ProgressBar.bar(1, 100));
    assertEquals("100/100 [==============================]", ProgressBar.bar(100, 100));
    assertEquals(" 99/100 [" + "=".repeat(28) + ">.]", ProgressBar.bar(99, 100));
    assertEquals("1/3 [=========>....................]", ProgressBar.bar(1, 3));
  }

  @Test
  void etaAndTimePerStepInKerasUnits() {
    assertEquals("42s", ProgressBar.eta(42.9));
    assertEquals("1:02", ProgressBar.eta(62));
    assertEquals("1:00:05", ProgressBar.eta(3605));
    assertEquals("630ms/step", ProgressBar.perStep(0.63));
    assertEquals("2s/step", ProgressBar.perStep(2.2));
    assertEquals("80us/step", ProgressBar.perStep(80e-6));
  }

  @Test
  void valuesWithFourDecimalsOrScientificWhenTiny() {
    assertEquals(" - loss: 0.4312 - acc: 0.8100", ProgressBar.values(values(0.43119, 0.81)));
    assertEquals(" - lr: 2.0000e-05", ProgressBar.values(Map.of("lr", 2e-5)));
  }

  @Test
  void plainLinesEachTenthThenTheSummary() {
    ProgressBar bar = new ProgressBar(out, 100, 0, false, () -> now);
    for (int step = 1; step <= 100; step++) {
      now += 600_000_000L;
      bar.update(step, values(0.5, 0.75));
    }
    now += 3_000_000_000L;
    Map<String, Double> end = new LinkedHashMap<>(values(0.31, 0.8));
    end.put("val_f1", 0.72);
    bar.finish(end);
    List<String> lines = printed().lines().toList();
    assertEquals(10, lines.size(), printed());
    assertEquals(" 10/100 [==>...........................] - ETA: 54s - loss: 0.5000 - acc: 0.7500",
        lines.get(0));
    assertEquals(" 20/100 [=====>........................] - ETA: 48s - loss: 0.5000 - acc: 0.7500",
        lines.get(1));
    assertEquals("100/100 [==============================] - 63s 630ms/step - loss: 0.3100"
        + " - acc: 0.8000 - val_f1: 0.7200", lines.get(9));
    assertTrue(printed().indexOf('\r') < 0);
  }

  @Test
  void plainLinesAtLeastEvery30Seconds() {
    ProgressBar bar = new ProgressBar(out, 1000, 0, false, () -> now);
    for (int step = 1; step <= 50; step++) {
      now += 1_000_000_000L;
      bar.update(step, Map.of("loss", 1.0));
    }
    assertEquals(1, printed().lines().count(), printed());
    assertTrue(printed().startsWith("  30/1000 ["), printed());
  }

  @Test
  void interactiveRedrawsInPlaceAndClearsLeftovers() {
    ProgressBar bar = new ProgressBar(out, 3, 0, true, () -> now);
    now += 1_000_000_000L;
    bar.update(1, Map.of("loss", 10.0));
    now += 1_000_000_000L;
    bar.update(2, Map.of("loss", 1.0));
    now += 10_000_000L;
    bar.update(3, Map.of("loss", 1.0));
    bar.finish(Map.of("loss", 1.0));
    String[] draws = printed().split("\r", -1);
    assertEquals("", draws[0]);
    assertEquals("1/3 [=========>....................] - ETA: 2s - loss: 10.0000", draws[1]);
    assertEquals("2/3 [===================>..........] - ETA: 1s - loss: 1.0000 ", draws[2],
        "padded over the longer line before it");
    assertEquals("3/3 [==============================] - 2s 670ms/step - loss: 1.0000\n", draws[4]);
  }

  @Test
  void interactiveSkipsRedrawsWithin50ms() {
    ProgressBar bar = new ProgressBar(out, 100, 0, true, () -> now);
    for (int step = 1; step <= 10; step++) {
      now += 1_000_000L;
      bar.update(step, Map.of());
    }
    assertEquals(1, printed().chars().filter(c -> c == '\r').count());
    bar.breakLine();
    assertTrue(printed().endsWith("\n"));
  }

  @Test
  void resumedBarCountsTimeFromItsFirstStep() {
    ProgressBar bar = new ProgressBar(out, 10, 6, false, () -> now);
    now += 2_000_000_000L;
    bar.update(7, Map.of("loss", 1.0));
    now += 2_000_000_000L;
    bar.update(8, Map.of("loss", 1.0));
    assertEquals(" 7/10 [" + "=".repeat(20) + ">" + ".".repeat(9) + "] - ETA: 6s - loss: 1.0000\n"
        + " 8/10 [" + "=".repeat(23) + ">" + ".".repeat(6) + "] - ETA: 4s - loss: 1.0000\n",
        printed());
    assertThrows(IllegalArgumentException.class, () -> bar.update(6, Map.of()));
  }
}
