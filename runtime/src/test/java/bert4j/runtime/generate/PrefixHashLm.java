package bert4j.runtime.generate;

import bert4j.runtime.FloatTensor;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A deterministic fake language model for the decoder tests: the logits after a sequence are
 * pseudo-random numbers seeded by the whole sequence (prompt, segments and generated tokens), with the
 * end token raised by {@code endBias} so outputs end at various lengths. It keeps its sequences as
 * {@link IncrementalLm} requires, so a decoder that loses track of a beam gets other logits.
 */
final class PrefixHashLm implements IncrementalLm {
  private final int vocab;
  private final int maxBatch;
  private final int maxLength;
  private final int endToken;
  private final double endBias;
  private int[][] sequences = new int[0][];
  private int[][] segments = new int[0][];
  int steps;

  PrefixHashLm(int vocab, int maxBatch, int maxLength, int endToken, double endBias) {
    this.vocab = vocab;
    this.maxBatch = maxBatch;
    this.maxLength = maxLength;
    this.endToken = endToken;
    this.endBias = endBias;
  }

  /** The logits after {@code sequence} (segments all 0 unless given). */
  float[] logits(int[] sequence, int[] segmentIds) {
    long h = 1469598103934665603L;
    for (int i = 0; i < sequence.length; i++) {
      h = (h ^ sequence[i]) * 1099511628211L;
      h = (h ^ (segmentIds == null ? 0 : segmentIds[i])) * 1099511628211L;
    }
    SplittableRandom random = new SplittableRandom(h);
    float[] out = new float[vocab];
    for (int v = 0; v < vocab; v++) {
      out[v] = (float) (2 * random.nextGaussian() + (v == endToken ? endBias : 0));
    }
    return out;
  }

  @Override
  public int vocab() {
    return vocab;
  }

  @Override
  public int maxBatch() {
    return maxBatch;
  }

  @Override
  public int maxLength() {
    return maxLength;
  }

  @Override
  public FloatTensor start(int[][] prompts, int[][] promptSegments) {
    if (prompts.length > maxBatch) {
      throw new IllegalStateException("start with " + prompts.length + " > maxBatch " + maxBatch);
    }
    sequences = new int[prompts.length][];
    segments = new int[prompts.length][];
    for (int b = 0; b < prompts.length; b++) {
      sequences[b] = prompts[b].clone();
      segments[b] = promptSegments == null ? new int[prompts[b].length] : promptSegments[b].clone();
    }
    return current();
  }

  @Override
  public FloatTensor step(int[] tokens) {
    if (tokens.length != sequences.length) {
      throw new IllegalStateException(tokens.length + " tokens for " + sequences.length + " sequences");
    }
    steps++;
    for (int b = 0; b < tokens.length; b++) {
      if (tokens[b] <= 0 || tokens[b] >= vocab || sequences[b].length == maxLength) {
        throw new IllegalStateException("bad step token " + tokens[b] + " or full sequence " + b);
      }
      sequences[b] = Arrays.copyOf(sequences[b], sequences[b].length + 1);
      sequences[b][sequences[b].length - 1] = tokens[b];
      segments[b] = Arrays.copyOf(segments[b], segments[b].length + 1);
      segments[b][segments[b].length - 1] = 1;
    }
    return current();
  }

  @Override
  public void reorder(int[] parents) {
    if (parents.length > maxBatch) {
      throw new IllegalStateException("reorder to " + parents.length + " > maxBatch " + maxBatch);
    }
    int[][] newSequences = new int[parents.length][];
    int[][] newSegments = new int[parents.length][];
    for (int b = 0; b < parents.length; b++) {
      newSequences[b] = sequences[parents[b]].clone();
      newSegments[b] = segments[parents[b]].clone();
    }
    sequences = newSequences;
    segments = newSegments;
  }

  /** The logits after {@code prompt} (segments 0) followed by {@code generated} (segment 1). */
  float[] logitsAfter(int[] prompt, int[] generated) {
    int[] sequence = Arrays.copyOf(prompt, prompt.length + generated.length);
    System.arraycopy(generated, 0, sequence, prompt.length, generated.length);
    int[] segmentIds = new int[sequence.length];
    Arrays.fill(segmentIds, prompt.length, sequence.length, 1);
    return logits(sequence, segmentIds);
  }

  private FloatTensor current() {
    float[] data = new float[sequences.length * vocab];
    for (int b = 0; b < sequences.length; b++) {
      System.arraycopy(logits(sequences[b], segments[b]), 0, data, b * vocab, vocab);
    }
    return new FloatTensor(new int[] {sequences.length, vocab}, data);
  }
}
