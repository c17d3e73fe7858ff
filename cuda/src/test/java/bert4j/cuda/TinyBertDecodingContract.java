package bert4j.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.cuda.specs.TinyBertImpl;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.kernels.contract.KernelsContract;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Incremental decoding of a whole generated model on the backend under test
 * ({@link bert4j.cuda.specs.TinyBert}: UniLM mask, dropout in training): prompts of different
 * lengths (one with a target prefix in segment 1) started, then stepped with the beams expanded,
 * swapped and pruned before each step; every call's logits equal those of the same backend's full
 * forward over the whole sequences so far, at each sequence's last token.
 */
public abstract class TinyBertDecodingContract extends KernelsContract {
  private static final int[][] PARENTS = {{0, 0, 1, 1, 2, 2}, {1, 0, 3, 2, 5, 4}, {4, 5, 0}};

  @Test
  void everyStepMatchesTheFullForwardPass() {
    try (TinyBertImpl model = TinyBertImpl.create(kernels, 6, 16)) {
      model.initialize(5);
      SplittableRandom random = new SplittableRandom(1);
      int[][] tokens = {random.ints(6, 1, 97).toArray(), random.ints(2, 1, 97).toArray(),
          random.ints(4, 1, 97).toArray()};
      int[][] segments = {{0, 0, 0, 0, 1, 1}, new int[2], new int[4]};
      assertAgrees(model, tokens, segments, model.start(tokens, segments), "start");
      for (int s = 0; s < PARENTS.length; s++) {
        int[] parents = PARENTS[s];
        int[] added = random.ints(parents.length, 1, 97).toArray();
        int[][] nextTokens = new int[parents.length][];
        int[][] nextSegments = new int[parents.length][];
        for (int b = 0; b < parents.length; b++) {
          nextTokens[b] = Arrays.copyOf(tokens[parents[b]], tokens[parents[b]].length + 1);
          nextTokens[b][nextTokens[b].length - 1] = added[b];
          nextSegments[b] = Arrays.copyOf(segments[parents[b]], nextTokens[b].length);
          nextSegments[b][nextTokens[b].length - 1] = 1;
        }
        tokens = nextTokens;
        segments = nextSegments;
        model.reorder(parents);
        assertAgrees(model, tokens, segments, model.step(added), "step " + (s + 1));
      }
    }
  }

  private static void assertAgrees(TinyBertImpl model, int[][] tokens, int[][] segments,
      FloatTensor logits, String when) {
    int seq = Arrays.stream(tokens).mapToInt(t -> t.length).max().orElseThrow();
    int[][] paddedTokens = new int[tokens.length][];
    int[][] paddedSegments = new int[tokens.length][];
    for (int b = 0; b < tokens.length; b++) {
      paddedTokens[b] = Arrays.copyOf(tokens[b], seq);
      paddedSegments[b] = Arrays.copyOf(segments[b], seq);
    }
    FloatTensor full = model.forward(Batch.of(paddedTokens, paddedSegments)).mlmLogits();
    double worst = 0;
    for (int b = 0; b < tokens.length; b++) {
      for (int v = 0; v < 97; v++) {
        worst = Math.max(worst, Math.abs(logits.get(b, v) - full.get(b, tokens[b].length - 1, v)));
      }
    }
    assertTrue(worst <= 1e-5, when + ": max |cached − full| = " + worst);
  }
}
