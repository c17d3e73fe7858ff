package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.dsl.Activation;
import bert4j.dsl.Mask;
import bert4j.examples.model.Harness.Inputs;
import bert4j.examples.model.ReferenceBert.Config;
import bert4j.examples.model.specs.RefRecomputeOffImpl;
import bert4j.examples.model.specs.RefRecomputeOnImpl;
import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.model.GeneratedTransformer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code @Transformer(recompute = true)} changes memory, not arithmetic: two specs identical but for
 * recompute ({@link bert4j.examples.model.specs.RefRecomputeOff}, {@link
 * bert4j.examples.model.specs.RefRecomputeOn}; dropout on, so the replayed forward must draw the same
 * masks), with the same weights and the same dropout seed, give bit-identical losses and gradients,
 * and bit-identical parameters after Adam steps; the recompute model's arena is smaller.
 */
class RecomputeTest {
  private static final int MAX_BATCH = 4;
  private static final int MAX_LENGTH = 12;
  /** The specs' shape, for making inputs. */
  private static final Config CONFIG = new Config(3, 32, 4, 8, 64, 60, 16, 2, Activation.GELU, 1e-12,
      Mask.UNILM, true, true, 3, true);

  private static Batch batch(int seq, int[] lengths, long seed) {
    Inputs in = Harness.inputs(CONFIG, seq, lengths, seed);
    return new Batch(in.tokens(), in.segments(), in.labels(), in.tokenLabels());
  }

  /** The plain model with random weights, and the recompute model with a copy of them. */
  private static void sameWeights(GeneratedTransformer plain, GeneratedTransformer recompute) {
    List<String> plainNames = new ArrayList<>();
    List<String> recomputeNames = new ArrayList<>();
    plain.parameters().forEach(p -> plainNames.add(p.name() + Arrays.toString(p.shape())));
    recompute.parameters().forEach(p -> recomputeNames.add(p.name() + Arrays.toString(p.shape())));
    assertEquals(plainNames, recomputeNames, "the same parameters with and without recompute");
    Harness.randomizeWeights(plain, 41);
    recompute.initialize(99);
    for (ParameterInfo p : plain.parameters()) {
      recompute.setParameter(p.name(), plain.parameter(p.name()));
    }
    for (ParameterInfo p : plain.parameters()) {
      assertArrayEquals(plain.parameter(p.name()).data(), recompute.parameter(p.name()).data(),
          p.name() + " copied");
    }
  }

  /** The parameters whose values differ in any bit, with the largest difference. */
  private static List<String> differing(GeneratedTransformer plain, GeneratedTransformer recompute,
      boolean gradients) {
    List<String> differing = new ArrayList<>();
    for (ParameterInfo p : plain.parameters()) {
      FloatTensor a = gradients ? plain.gradient(p.name()) : plain.parameter(p.name());
      FloatTensor b = gradients ? recompute.gradient(p.name()) : recompute.parameter(p.name());
      if (!Arrays.equals(a.data(), b.data())) {
        double max = 0;
        for (int i = 0; i < a.data().length; i++) {
          max = Math.max(max, Math.abs(a.data()[i] - b.data()[i]));
        }
        differing.add(p.name() + " (max |diff| " + max + ")");
      }
    }
    return differing;
  }

  @Test
  void gradientsAndTrainingAreBitIdenticalWithRecompute() {
    List<Batch> batches = List.of(batch(12, new int[] {12, 10, 7, 12}, 42),
        batch(10, new int[] {10, 6, 9}, 43), batch(7, new int[] {7, 5}, 44));
    try (GeneratedTransformer plain = RefRecomputeOffImpl.create(Backend.cpu(), MAX_BATCH, MAX_LENGTH);
        GeneratedTransformer recompute =
            RefRecomputeOnImpl.create(Backend.cpu(), MAX_BATCH, MAX_LENGTH)) {
      sameWeights(plain, recompute);
      plain.seedDropout(7);
      recompute.seedDropout(7);

      // computeGradients, several batch shapes in turn (each call draws new masks)
      float previous = Float.NaN;
      for (int i = 0; i < batches.size(); i++) {
        Batch batch = batches.get(i);
        float lossPlain = plain.computeGradients(batch);
        float lossRecompute = recompute.computeGradients(batch);
        String what = "computeGradients, batch " + i + " (" + batch.size() + "×" + batch.length() + ")";
        assertTrue(Float.isFinite(lossPlain), what + ": loss " + lossPlain);
        assertEquals(Float.floatToIntBits(lossPlain), Float.floatToIntBits(lossRecompute),
            what + ": loss " + lossPlain + " without recompute, " + lossRecompute + " with");
        List<String> differing = differing(plain, recompute, true);
        assertTrue(differing.isEmpty(), what + ": gradients not bit-identical: " + differing);
        if (i == 0) {
          previous = lossPlain;
        }
      }
      // dropout is really on: the same batch again draws other masks, so another loss
      float again = plain.computeGradients(batches.get(0));
      assertNotEquals(previous, again, "dropout draws new masks per call");
      assertEquals(Float.floatToIntBits(again),
          Float.floatToIntBits(recompute.computeGradients(batches.get(0))), "the batch again");
      assertTrue(differing(plain, recompute, true).isEmpty(), "gradients of the batch again");

      // inference between: no dropout, the same outputs
      Inputs in = Harness.inputs(CONFIG, 9, new int[] {9, 4}, 45);
      Map<String, FloatTensor> outPlain = plain.forward(Batch.of(in.tokens(), in.segments())).asMap();
      Map<String, FloatTensor> outRecompute =
          recompute.forward(Batch.of(in.tokens(), in.segments())).asMap();
      assertEquals(outPlain.keySet(), outRecompute.keySet());
      for (String name : outPlain.keySet()) {
        assertArrayEquals(outPlain.get(name).data(), outRecompute.get(name).data(), name);
      }

      // Adam steps
      for (int step = 0; step < 3; step++) {
        Batch batch = batches.get(step % batches.size());
        float lossPlain = plain.trainStep(batch);
        float lossRecompute = recompute.trainStep(batch);
        assertEquals(Float.floatToIntBits(lossPlain), Float.floatToIntBits(lossRecompute),
            "trainStep " + step + ": loss " + lossPlain + " without recompute, " + lossRecompute
                + " with");
        List<String> differing = differing(plain, recompute, false);
        assertTrue(differing.isEmpty(), "after trainStep " + step
            + ": parameters not bit-identical: " + differing);
      }
      List<String> moved = new ArrayList<>();
      try (GeneratedTransformer fresh =
          RefRecomputeOffImpl.create(Backend.cpu(), MAX_BATCH, MAX_LENGTH)) {
        Harness.randomizeWeights(fresh, 41);
        for (ParameterInfo p : plain.parameters()) {
          if (!Arrays.equals(fresh.parameter(p.name()).data(), plain.parameter(p.name()).data())) {
            moved.add(p.name());
          }
        }
      }
      assertTrue(moved.size() > plain.parameters().size() / 2,
          "the steps moved the parameters: " + moved.size() + " of " + plain.parameters().size());
      System.out.printf("[reftest] recompute: %d computeGradients and 3 train steps bit-identical"
          + " (%d tensors)%n", batches.size() + 1, plain.parameters().size());
    }
  }

  @Test
  void recomputeNeedsLessArena() {
    try (GeneratedTransformer plain = RefRecomputeOffImpl.create(Backend.cpu(), MAX_BATCH, MAX_LENGTH);
        GeneratedTransformer recompute =
            RefRecomputeOnImpl.create(Backend.cpu(), MAX_BATCH, MAX_LENGTH)) {
      long a = plain.arenaBytes();
      long b = recompute.arenaBytes();
      System.out.printf("[reftest] recompute: arena %,d bytes without, %,d with (%.2f)%n", a, b,
          (double) b / a);
      assertTrue(b < a, "arena with recompute " + b + " bytes, without " + a);
    }
  }
}
