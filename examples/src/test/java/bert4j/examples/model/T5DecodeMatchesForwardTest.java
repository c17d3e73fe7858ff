package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.model.GeneratedSeq2Seq;
import bert4j.runtime.model.GeneratedTransformer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * T5's incremental decoding (the encoder and the cross-attention keys and values once per input,
 * a self-attention key/value cache, one token per step) against a full forward pass of each
 * sequence on its own, unpadded, at every step: three inputs of different lengths expanded to five
 * beams, stepped, and shuffled through a cycle of reorders; every step's logits within 1e-5.
 */
class T5DecodeMatchesForwardTest {
  private static final double TOLERANCE = 1e-5;
  private static final int[][] INPUTS = {
      {5, 9, 13, 2, 17, 21, 3, 30, 1},
      {7, 4, 19, 25, 1},
      {33, 8, 1}};

  @ParameterizedTest
  @EnumSource(T5MatchesReferenceTest.Spec.class)
  void everyStepMatchesAFullForwardPass(T5MatchesReferenceTest.Spec spec) {
    decodeAgainstFullPasses(spec, spec.factory);
  }

  /** A model created for inference (its forward-only arena) decodes the same way. */
  @ParameterizedTest
  @EnumSource(T5MatchesReferenceTest.Spec.class)
  void anInferenceModelsStepsMatchAFullForwardPass(T5MatchesReferenceTest.Spec spec) {
    decodeAgainstFullPasses(spec, spec.inference);
  }

  private static void decodeAgainstFullPasses(T5MatchesReferenceTest.Spec spec,
      T5MatchesReferenceTest.Factory decodingFactory) {
    try (Kernels kernels = Backend.cpu();
        GeneratedTransformer decoding = decodingFactory.create(kernels, 6, 12);
        GeneratedTransformer full = spec.factory.create(kernels, 1, 12)) {
      Harness.randomizeWeights(decoding, 3);
      for (ParameterInfo p : decoding.parameters()) {
        full.setParameter(p.name(), decoding.parameter(p.name()));
      }
      GeneratedSeq2Seq lm = (GeneratedSeq2Seq) decoding;
      List<int[]> sources = new ArrayList<>(Arrays.asList(INPUTS));
      List<int[]> histories = new ArrayList<>();
      for (int b = 0; b < INPUTS.length; b++) {
        histories.add(new int[] {0});
      }
      double worst = compare(lm.start(INPUTS, null), full, sources, histories, 0);
      reorder(lm, new int[] {0, 0, 1, 2, 2}, sources, histories);
      for (int s = 1; s <= 6; s++) {
        int[] tokens = new int[sources.size()];
        for (int b = 0; b < tokens.length; b++) {
          tokens[b] = (7 * b + 5 * s + 2) % lm.vocab();
          int[] h = histories.get(b);
          int[] longer = Arrays.copyOf(h, h.length + 1);
          longer[h.length] = tokens[b];
          histories.set(b, longer);
        }
        worst = Math.max(worst, compare(lm.step(tokens), full, sources, histories, s));
        if (s == 2) {
          reorder(lm, new int[] {4, 0, 3, 2, 1}, sources, histories);
        }
      }
      System.out.printf("[reftest] %s decoding: worst logit difference %.2e%n", spec, worst);
    }
  }

  private static void reorder(GeneratedSeq2Seq lm, int[] parents, List<int[]> sources,
      List<int[]> histories) {
    lm.reorder(parents);
    List<int[]> s = new ArrayList<>();
    List<int[]> h = new ArrayList<>();
    for (int parent : parents) {
      s.add(sources.get(parent));
      h.add(histories.get(parent));
    }
    sources.clear();
    sources.addAll(s);
    histories.clear();
    histories.addAll(h);
  }

  /** Each sequence's step logits against its full pass's last decoder row; the worst difference. */
  private static double compare(FloatTensor logits, GeneratedTransformer full, List<int[]> sources,
      List<int[]> histories, int step) {
    int vocab = logits.shape()[1];
    assertArrayEquals(new int[] {sources.size(), vocab}, logits.shape());
    double worst = 0;
    for (int b = 0; b < sources.size(); b++) {
      int[] history = histories.get(b);
      FloatTensor want = full.forward(Batch.seq2seq(new int[][] {sources.get(b)},
          new int[][] {history}, null)).mlmLogits();
      int seq = want.shape()[1];
      for (int c = 0; c < vocab; c++) {
        double d = Math.abs(logits.data()[b * vocab + c]
            - want.data()[(history.length - 1) * vocab + c]);
        worst = Math.max(worst, d);
      }
      assertTrue(worst <= TOLERANCE, "step " + step + ", sequence " + b + ": logits differ by "
          + worst + " (full pass of " + seq + " rows)");
    }
    return worst;
  }
}
