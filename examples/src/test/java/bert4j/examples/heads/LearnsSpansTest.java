package bert4j.examples.heads;

import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.decode.ScoredSpan;
import bert4j.runtime.decode.SpanDecoder;
import bert4j.runtime.kernels.Kernels;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * End to end: a GlobalPointer on an encoder trained from random initialisation ({@link SpanLearner},
 * Adam lr 1e-3) learns to find the span from a token 7 to the token 8 after it. Within
 * {@value #STEPS} steps of fresh batches, exact-span F1 on 256 held-out sequences must exceed
 * {@value #F1_THRESHOLD}.
 */
class LearnsSpansTest {
  static final int STEPS = 300;
  static final double F1_THRESHOLD = 0.9;
  private static final int VOCAB = 24;
  private static final int SEQ = 14;
  private static final int BATCH = 16;
  private static final int OPEN = 7;
  private static final int CLOSE = 8;

  /** [CLS] = 1, tokens from [2, 24) \ {7, 8}, one 7 … 8 span; returns the span in starts/ends. */
  private static Batch sample(Random random, int size, int[] starts, int[] ends) {
    int[][] tokens = new int[size][SEQ];
    int[][][] spans = new int[size][][];
    for (int b = 0; b < size; b++) {
      int length = 6 + random.nextInt(SEQ - 5);
      tokens[b][0] = 1;
      for (int i = 1; i < length; i++) {
        int t;
        do {
          t = 2 + random.nextInt(VOCAB - 2);
        } while (t == OPEN || t == CLOSE);
        tokens[b][i] = t;
      }
      int start = 1 + random.nextInt(length - 2);
      int end = start + 1 + random.nextInt(length - start - 1);
      tokens[b][start] = OPEN;
      tokens[b][end] = CLOSE;
      starts[b] = start;
      ends[b] = end;
      spans[b] = new int[][] {{0, start, end}};
    }
    return Batch.of(tokens, new int[size][SEQ]).withSpans(Map.of("entity", spans));
  }

  @Test
  void findsTheSpanFromSevenToEight() {
    Random random = new Random(31);
    int[] starts = new int[256];
    int[] ends = new int[256];
    try (Kernels kernels = Backend.cpu();
        SpanLearnerImpl model = SpanLearnerImpl.create(kernels, 256, SEQ)) {
      model.initialize(3);
      for (int step = 0; step < STEPS; step++) {
        model.trainStep(sample(random, BATCH, starts, ends));
      }
      Batch heldOut = sample(random, 256, starts, ends);
      FloatTensor scores = model.forward(Batch.of(heldOut.tokenIds(), heldOut.segmentIds()))
          .get("entity_scores");
      int found = 0;
      int correct = 0;
      for (int b = 0; b < 256; b++) {
        for (ScoredSpan span : SpanDecoder.decode(scores, b, SpanDecoder.DEFAULT_THRESHOLD)) {
          found++;
          correct += span.start() == starts[b] && span.end() == ends[b] ? 1 : 0;
        }
      }
      double f1 = 2.0 * correct / (found + 256);
      assertTrue(f1 > F1_THRESHOLD, "held-out span F1 " + f1 + " (" + correct + " of " + found
          + " found spans correct, 256 gold)");
    }
  }
}
