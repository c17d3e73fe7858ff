package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.generate.AutoRegressiveDecoder;
import bert4j.runtime.generate.BeamSearch;
import bert4j.runtime.generate.DecodeLimits;
import bert4j.runtime.generate.IncrementalLm;
import bert4j.runtime.generate.Sampling;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.model.GeneratedSeq2Seq;
import bert4j.runtime.model.GeneratedTransformer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Beam search, greedy decoding and sampling through the generation API over T5's cached decoding
 * give what they give over the same model recomputed from full forward passes at every step.
 */
class T5GenerationTest {
  private static final int[][] INPUTS = {{5, 9, 13, 2, 17, 21, 3, 30, 1}, {7, 4, 19, 25, 1},
      {33, 8, 1}};
  private static final DecodeLimits LIMITS = DecodeLimits.of(1, 6);

  /** T5 recomputed: every step one full forward pass per sequence over its input and decoder ids. */
  private record FullPasses(GeneratedTransformer model, List<int[]> inputs, List<int[]> decoded)
      implements IncrementalLm {
    @Override
    public int vocab() {
      return model.layout().vocab();
    }

    @Override
    public int maxBatch() {
      return 6;
    }

    @Override
    public int maxLength() {
      return model.maxLength();
    }

    @Override
    public int positions(int promptLength, int maxTokens) {
      return Math.max(promptLength, maxTokens);
    }

    @Override
    public FloatTensor start(int[][] prompts, int[][] segments) {
      inputs.clear();
      decoded.clear();
      for (int[] prompt : prompts) {
        inputs.add(prompt);
        decoded.add(new int[] {0});
      }
      return logits();
    }

    @Override
    public FloatTensor step(int[] tokens) {
      for (int b = 0; b < tokens.length; b++) {
        int[] d = decoded.get(b);
        int[] longer = Arrays.copyOf(d, d.length + 1);
        longer[d.length] = tokens[b];
        decoded.set(b, longer);
      }
      return logits();
    }

    @Override
    public void reorder(int[] parents) {
      List<int[]> in = new ArrayList<>();
      List<int[]> out = new ArrayList<>();
      for (int p : parents) {
        in.add(inputs.get(p));
        out.add(decoded.get(p));
      }
      inputs.clear();
      inputs.addAll(in);
      decoded.clear();
      decoded.addAll(out);
    }

    private FloatTensor logits() {
      int vocab = vocab();
      float[] all = new float[inputs.size() * vocab];
      for (int b = 0; b < inputs.size(); b++) {
        int[] d = decoded.get(b);
        FloatTensor rows = model.forward(Batch.seq2seq(new int[][] {inputs.get(b)},
            new int[][] {d}, null)).mlmLogits();
        System.arraycopy(rows.data(), (d.length - 1) * vocab, all, b * vocab, vocab);
      }
      return new FloatTensor(new int[] {inputs.size(), vocab}, all);
    }
  }

  @Test
  void cachedDecodingGeneratesWhatFullPassesGenerate() {
    try (Kernels kernels = Backend.cpu();
        GeneratedTransformer cached = T5MatchesReferenceTest.Spec.T5_1_1.factory.create(kernels, 6,
            12);
        GeneratedTransformer full = T5MatchesReferenceTest.Spec.T5_1_1.factory.create(kernels, 1,
            12)) {
      Harness.randomizeWeights(cached, 9);
      for (ParameterInfo p : cached.parameters()) {
        full.setParameter(p.name(), cached.parameter(p.name()));
      }
      AutoRegressiveDecoder fast = new AutoRegressiveDecoder((GeneratedSeq2Seq) cached, LIMITS);
      AutoRegressiveDecoder slow = new AutoRegressiveDecoder(
          new FullPasses(full, new ArrayList<>(), new ArrayList<>()), LIMITS);
      int[][] greedy = fast.greedy(INPUTS, null);
      assertArrayEquals(slow.greedy(INPUTS, null), greedy, "greedy");
      int[][] beams = fast.beamSearch(INPUTS, null, BeamSearch.of(3));
      assertArrayEquals(slow.beamSearch(INPUTS, null, BeamSearch.of(3)), beams, "beam search");
      Sampling sampling = Sampling.seeded(7).withSamples(2).withTopK(5);
      assertArrayEquals(slow.sample(INPUTS, null, sampling), fast.sample(INPUTS, null, sampling),
          "sampling");
      int generated = 0;
      for (int[] output : beams) {
        generated += output.length;
      }
      assertTrue(generated > 0, "the beams generate tokens");
      System.out.println("[reftest] T5 beam search: " + Arrays.deepToString(beams) + ", greedy: "
          + Arrays.deepToString(greedy));
    }
  }
}
