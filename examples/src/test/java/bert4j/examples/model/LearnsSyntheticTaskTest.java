package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.examples.model.specs.RefLearnerImpl;
import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.model.GeneratedTransformer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * End to end: a tiny classifier ({@link bert4j.examples.model.specs.RefLearner}, Adam lr 1e-3) learns
 * whether token 7 appears in a sequence. The mean training loss over 10 consecutive steps must fall below
 * {@value #LOSS_THRESHOLD} within {@value #MAX_STEPS} steps, and accuracy on 400 held-out sequences
 * must exceed {@value #ACCURACY_THRESHOLD}.
 */
class LearnsSyntheticTaskTest {
  static final double LOSS_THRESHOLD = 0.1;
  static final int MAX_STEPS = 600;
  static final double ACCURACY_THRESHOLD = 0.95;
  private static final int VOCAB = 24;
  private static final int SEQ = 10;
  private static final int BATCH = 16;
  private static final int TOKEN = 7;

  /** Sequences of [CLS] = 1 then tokens from [2, 24) \ {7}, half of them with 7 somewhere; some padded. */
  private static Batch sample(Random random, int size) {
    int[][] tokens = new int[size][SEQ];
    int[][] segments = new int[size][SEQ];
    int[] labels = new int[size];
    for (int b = 0; b < size; b++) {
      int length = 4 + random.nextInt(SEQ - 3);
      tokens[b][0] = 1;
      for (int i = 1; i < length; i++) {
        int t;
        do {
          t = 2 + random.nextInt(VOCAB - 2);
        } while (t == TOKEN);
        tokens[b][i] = t;
      }
      labels[b] = random.nextInt(2);
      if (labels[b] == 1) {
        tokens[b][1 + random.nextInt(length - 1)] = TOKEN;
      }
    }
    return Batch.withLabels(tokens, segments, labels);
  }

  @Test
  void learnsWhetherToken7Appears() {
    Random random = new Random(2024);
    try (GeneratedTransformer model = RefLearnerImpl.create(Backend.cpu(), BATCH, SEQ)) {
      model.initialize(1);
      double[] recent = new double[10];
      int step = 0;
      double mean = Double.NaN;
      while (step < MAX_STEPS) {
        float loss = model.trainStep(sample(random, BATCH));
        assertTrue(Float.isFinite(loss), "step " + step + ": loss " + loss);
        recent[step % recent.length] = loss;
        step++;
        if (step >= recent.length) {
          mean = java.util.Arrays.stream(recent).average().orElseThrow();
          if (mean < LOSS_THRESHOLD) {
            break;
          }
        }
      }
      System.out.printf("[reftest] synthetic task: mean loss of 10 steps %.4f after %d steps%n", mean,
          step);
      assertTrue(mean < LOSS_THRESHOLD, "mean loss over the last 10 steps " + mean + " after "
          + MAX_STEPS + " steps");

      Random heldOut = new Random(99);
      int correct = 0;
      int total = 0;
      for (int round = 0; round < 25; round++) {
        Batch batch = sample(heldOut, BATCH);
        FloatTensor logits = model.forward(batch).classLogits();
        for (int b = 0; b < BATCH; b++) {
          int predicted = logits.get(b, 1) > logits.get(b, 0) ? 1 : 0;
          correct += predicted == batch.labels()[b] ? 1 : 0;
          total++;
        }
      }
      double accuracy = (double) correct / total;
      System.out.printf("[reftest] synthetic task: held-out accuracy %.4f (%d / %d)%n", accuracy,
          correct, total);
      assertTrue(accuracy > ACCURACY_THRESHOLD, "held-out accuracy " + accuracy);
    }
  }
}
