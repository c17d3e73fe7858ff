package bert4j.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.Batch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BatchIteratorTest {
  /** Sample {@code i}: tokens [101, 1000 + i, …, 102] of the given length, label i % 2. */
  private static Sample sample(int i, int length) {
    int[] ids = new int[length];
    Arrays.fill(ids, 1000 + i);
    ids[0] = 101;
    ids[length - 1] = 102;
    int[] segments = new int[length];
    segments[length - 1] = 1;
    return Sample.withLabel(ids, segments, i % 2);
  }

  private static List<Sample> samples(int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      samples.add(sample(i, 3 + random.nextInt(60)));
    }
    return samples;
  }

  private static List<Batch> all(BatchIterator iterator) {
    List<Batch> batches = new ArrayList<>();
    iterator.forEachRemaining(batches::add);
    return batches;
  }

  /** The sample indices of each row, read back from the token ids (1000 + index). */
  private static List<Integer> order(List<Batch> batches) {
    List<Integer> order = new ArrayList<>();
    for (Batch b : batches) {
      for (int[] row : b.tokenIds()) {
        order.add(row[1] - 1000);
      }
    }
    return order;
  }

  @Test
  void inOrderBatchesPaddedToTheirLongest() {
    List<Sample> samples = List.of(sample(0, 3), sample(1, 5), sample(2, 4), sample(3, 2),
        sample(4, 3));
    BatchIterator.Builder builder = BatchIterator.over(samples).batchSize(2);
    assertEquals(3, builder.steps());
    List<Batch> batches = all(builder.epoch(0));
    assertEquals(3, batches.size());
    Batch first = batches.get(0);
    assertArrayEquals(new int[][] {{101, 1000, 102, 0, 0}, {101, 1001, 1001, 1001, 102}},
        first.tokenIds());
    assertArrayEquals(new int[][] {{0, 0, 1, 0, 0}, {0, 0, 0, 0, 1}}, first.segmentIds());
    assertArrayEquals(new int[] {0, 1}, first.labels());
    assertNull(first.tokenLabels());
    assertEquals(4, batches.get(1).length());
    assertEquals(1, batches.get(2).size());
  }

  @Test
  void dropRemainderAndFixedLength() {
    List<Sample> samples = List.of(sample(0, 3), sample(1, 5), sample(2, 4));
    BatchIterator.Builder builder = BatchIterator.over(samples).batchSize(2).dropRemainder(true)
        .padTo(8);
    assertEquals(1, builder.steps());
    List<Batch> batches = all(builder.epoch(0));
    assertEquals(1, batches.size());
    assertEquals(8, batches.get(0).length());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BatchIterator.over(samples).padTo(4));
    assertTrue(e.getMessage().contains("sample 1 has 5 tokens"), e.getMessage());
  }

  @Test
  void tokenLabelsArePaddedWithMinusOne() {
    List<Sample> samples = List.of(
        Sample.withTokenLabels(new int[] {101, 7, 102}, new int[3], new int[] {-1, 3, -1}),
        Sample.withTokenLabels(new int[] {101, 102}, new int[2], new int[] {-1, -1}));
    Batch batch = BatchIterator.over(samples).epoch(0).next();
    assertArrayEquals(new int[][] {{-1, 3, -1}, {-1, -1, -1}}, batch.tokenLabels());
    assertNull(batch.labels());
  }

  @Test
  void shufflingIsFixedBySeedAndEpoch() {
    List<Sample> samples = samples(100, 1);
    BatchIterator.Builder builder = BatchIterator.over(samples).batchSize(8).shuffle(42);
    List<Integer> epoch0 = order(all(builder.epoch(0)));
    assertEquals(epoch0, order(all(BatchIterator.over(samples).batchSize(8).shuffle(42).epoch(0))));
    List<Integer> epoch1 = order(all(builder.epoch(1)));
    assertNotEquals(epoch0, epoch1);
    assertNotEquals(epoch0, order(all(BatchIterator.over(samples).batchSize(8).shuffle(43).epoch(0))));
    for (List<Integer> order : List.of(epoch0, epoch1)) {
      assertEquals(100, order.size());
      assertEquals(100, order.stream().distinct().count(), "every sample once per epoch");
    }
    List<Integer> inOrder = order(all(BatchIterator.over(samples).batchSize(8).epoch(3)));
    for (int i = 0; i < inOrder.size(); i++) {
      assertEquals(i, inOrder.get(i));
    }
  }

  @Test
  void groupingByLengthReducesPadding() {
    List<Sample> samples = samples(1000, 2);
    long plain = padding(all(BatchIterator.over(samples).batchSize(16).shuffle(5).epoch(0)));
    List<Batch> grouped = all(BatchIterator.over(samples).batchSize(16).shuffle(5)
        .groupByLength(20).epoch(0));
    long groupedPadding = padding(grouped);
    assertTrue(groupedPadding * 4 < plain, "grouped " + groupedPadding + " vs plain " + plain);
    List<Integer> order = order(grouped);
    assertEquals(1000, order.stream().distinct().count(), "every sample once");
    // Batch order is shuffled too: lengths do not simply increase from batch to batch.
    boolean increasing = true;
    for (int b = 1; b < grouped.size(); b++) {
      increasing &= grouped.get(b).length() >= grouped.get(b - 1).length();
    }
    assertFalse(increasing);
  }

  private static long padding(List<Batch> batches) {
    long padding = 0;
    for (Batch b : batches) {
      for (int[] row : b.tokenIds()) {
        for (int id : row) {
          padding += id == 0 ? 1 : 0;
        }
      }
    }
    return padding;
  }

  @Test
  void endOfEpoch() {
    BatchIterator it = BatchIterator.over(List.of(sample(0, 3))).epoch(0);
    assertEquals(1, it.remaining());
    it.next();
    assertFalse(it.hasNext());
    assertThrows(NoSuchElementException.class, it::next);
    assertFalse(BatchIterator.over(List.of()).epoch(0).hasNext());
  }

  @Test
  void inconsistentSamplesAreRejected() {
    Sample unlabelled = Sample.of(new int[] {101, 102}, new int[2]);
    IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
        () -> BatchIterator.over(List.of(sample(0, 3), unlabelled)));
    assertTrue(mixed.getMessage().contains("sample 1 has none"), mixed.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> BatchIterator.over(Arrays.asList(sample(0, 3), null)));
    assertThrows(IllegalArgumentException.class, () -> BatchIterator.over(List.of()).batchSize(0));
    assertThrows(IllegalArgumentException.class,
        () -> Sample.of(new int[] {101, 102}, new int[3]));
    assertThrows(IllegalArgumentException.class,
        () -> Sample.withLabel(new int[] {101, 102}, new int[2], -1));
  }
}
