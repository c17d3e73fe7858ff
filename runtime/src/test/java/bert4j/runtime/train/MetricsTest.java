package bert4j.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.Outputs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void accuracyOfArgmaxRows() {
    Accuracy accuracy = new Accuracy();
    accuracy.add(new FloatTensor(new int[] {3, 2}, new float[] {0.1f, 0.9f, 2, 1, 0.5f, 0.5f}),
        new int[] {1, 1, 0});
    assertEquals(2, accuracy.correct(), "ties go to the first class");
    assertEquals(3, accuracy.total());
    accuracy.add(2, 2);
    assertEquals(0.75, accuracy.value());
    assertEquals(0, new Accuracy().value());
  }

  @Test
  void tokenAccuracySkipsUncountedPositions() {
    Accuracy accuracy = new Accuracy();
    FloatTensor logits = new FloatTensor(new int[] {1, 3, 2}, new float[] {1, 0, 0, 1, 1, 0});
    accuracy.addTokens(logits, new int[][] {{0, 0, -1}});
    assertEquals(1, accuracy.correct());
    assertEquals(2, accuracy.total());
  }

  @Test
  void accuracyStepMetricReadsTheClassHead() {
    Batch batch =
        Batch.withLabels(new int[][] {{1}, {2}}, new int[][] {{0}, {0}}, new int[] {0, 0});
    Outputs outputs = new Outputs(Map.of("class_logits",
        new FloatTensor(new int[] {2, 2}, new float[] {1, 0, 0, 1})));
    StepMetric acc = Accuracy.ofClasses();
    assertEquals("acc", acc.name());
    assertEquals(new Tally(1, 2), acc.measure(batch, outputs));
    assertThrows(IllegalArgumentException.class, () -> acc.measure(batch,
        new Outputs(Map.of("mlm_logits", new FloatTensor(new int[] {1}, new float[1])))));
  }

  @Test
  void entityF1SumsCountsOverExamples() {
    ExtractionF1<Span> f1 = new ExtractionF1<>();
    // example 1: 2 gold, 2 predicted, 1 exact match (the other has the wrong end)
    f1.add(List.of(new Span("PER", 0, 1), new Span("LOC", 4, 5)),
        List.of(new Span("PER", 0, 1), new Span("LOC", 4, 6)));
    // example 2: 1 gold, nothing predicted
    f1.add(List.of(), List.of(new Span("ORG", 2, 3)));
    // example 3: a wrong type is wrong; a duplicate prediction counts once
    f1.add(List.of(new Span("ORG", 0, 0), new Span("ORG", 0, 0), new Span("PER", 3, 3)),
        List.of(new Span("LOC", 0, 0), new Span("PER", 3, 3)));
    assertEquals(2, f1.correct());
    assertEquals(4, f1.predicted());
    assertEquals(5, f1.gold());
    assertEquals(0.5, f1.precision());
    assertEquals(0.4, f1.recall());
    assertEquals(4.0 / 9, f1.f1(), 1e-15);
    assertEquals(2 * 0.5 * 0.4 / (0.5 + 0.4), f1.f1(), 1e-15, "the harmonic mean");
    assertEquals(Map.of("val_f1", f1.f1(), "val_precision", 0.5, "val_recall", 0.4),
        f1.metrics("val_"));
  }

  @Test
  void tripleF1AndEmptyCounts() {
    ExtractionF1<Triple> f1 = new ExtractionF1<>();
    assertEquals(0, f1.f1());
    assertEquals(0, f1.precision());
    f1.add(List.of(new Triple("周杰伦", "歌手", "七里香"), new Triple("七里香", "作词", "方文山")),
        List.of(new Triple("周杰伦", "歌手", "七里香")));
    assertEquals(0.5, f1.precision());
    assertEquals(1.0, f1.recall());
    assertEquals(2.0 / 3, f1.f1(), 1e-15);
  }

  @Test
  void spansFromBioTagsAsConlleval() {
    assertEquals(List.of(new Span("PER", 0, 1), new Span("LOC", 3, 3)),
        Span.fromTags(List.of("B-PER", "I-PER", "O", "B-LOC")));
    // B after B starts a new chunk; I of another type starts one; I after O starts one
    assertEquals(List.of(new Span("PER", 0, 0), new Span("PER", 1, 1), new Span("LOC", 2, 2),
        new Span("ORG", 4, 5)),
        Span.fromTags(List.of("B-PER", "B-PER", "I-LOC", "O", "I-ORG", "I-ORG")));
    // BIOES
    assertEquals(List.of(new Span("PER", 0, 2), new Span("LOC", 3, 3), new Span("LOC", 4, 4)),
        Span.fromTags(List.of("B-PER", "I-PER", "E-PER", "S-LOC", "S-LOC")));
    assertEquals(List.of(), Span.fromTags(List.of("O", "O")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Span.fromTags(List.of("O", "X-PER")));
    assertTrue(e.getMessage().contains("tag 1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Span("PER", 3, 2));
  }

  @Test
  void monitorDirections() {
    EpochResult result = new EpochResult(2, Map.of("val_f1", 0.7, "loss", 0.3));
    assertTrue(Monitor.max("val_f1").improves(Monitor.max("val_f1").valueIn(result), 0.6));
    assertTrue(Monitor.min("loss").improves(0.2, Monitor.min("loss").worst()));
    assertTrue(!Monitor.max("val_f1").improves(Double.NaN, Double.NEGATIVE_INFINITY));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Monitor.max("val_acc").valueIn(result));
    assertTrue(e.getMessage().contains("val_f1"), e.getMessage());
  }

  @Test
  void tallyMeans() {
    assertEquals(0.75, Tally.EMPTY.plus(new Tally(1, 2)).plus(new Tally(2, 2)).mean());
    assertEquals(0, Tally.EMPTY.mean());
  }
}
