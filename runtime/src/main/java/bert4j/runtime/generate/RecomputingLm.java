package bert4j.runtime.generate;

import bert4j.dsl.Mask;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.TransformerModel;

/**
 * An {@link IncrementalLm} over any model with an LM head ({@code mlm_logits}): it keeps every
 * sequence's tokens and segments and, at each step, runs a full {@link TransformerModel#forward} over
 * the whole batch, right-padded with token 0, returning each sequence's logits at its last position.
 * This is what bert4keras's {@code AutoRegressiveDecoder} does at every step, so it is both the decoder
 * for a model without a key/value cache and the baseline a cache is measured against.
 *
 * <p>The mask says where generated tokens go: segment 1 under {@link Mask#UNILM} (the target), segment
 * 0 under {@link Mask#LM}. A model without a causal mask cannot generate ({@link Mask#NONE} is refused).
 */
public final class RecomputingLm implements IncrementalLm {
  private final TransformerModel model;
  private final int generationSegment;
  private final int maxBatch;
  private final int maxLength;
  private final int vocab;
  private int[][] tokens = new int[0][];
  private int[][] segments = new int[0][];
  private int[] lengths = new int[0];

  /**
   * Wraps {@code model}, created with {@code maxBatch} and {@code maxLength}, whose attention mask is
   * {@code mask}. Runs one forward of a single token to read the vocabulary size, so a model without
   * {@code mlm_logits} fails here.
   */
  public RecomputingLm(TransformerModel model, Mask mask, int maxBatch, int maxLength) {
    if (model == null || mask == null) {
      throw new IllegalArgumentException("RecomputingLm needs a model and its mask, got model=" + model
          + ", mask=" + mask);
    }
    if (mask == Mask.NONE) {
      throw new IllegalArgumentException("a model with mask NONE sees the tokens after each position "
          + "and cannot generate: give the spec @Attention(mask = LM or UNILM)");
    }
    if (maxBatch < 1 || maxLength < 2) {
      throw new IllegalArgumentException("maxBatch=" + maxBatch + " must be at least 1 and maxLength="
          + maxLength + " at least 2 (a prompt token and a generated one)");
    }
    this.model = model;
    this.generationSegment = mask == Mask.UNILM ? 1 : 0;
    this.maxBatch = maxBatch;
    this.maxLength = maxLength;
    FloatTensor probe = model.forward(Batch.of(new int[][] {{1}}, new int[][] {{0}})).mlmLogits();
    if (probe == null) {
      throw new IllegalArgumentException(model.specName() + " has no mlm_logits output: give the spec "
          + "@Heads(mlm = true)");
    }
    this.vocab = probe.shape()[2];
  }

  /**
   * The model itself when it decodes incrementally (a generated model with a key/value cache), else a
   * {@code RecomputingLm} over it: what an application calls so it uses the cache wherever there is one.
   */
  public static IncrementalLm unlessIncremental(TransformerModel model, Mask mask, int maxBatch,
      int maxLength) {
    return model instanceof IncrementalLm own ? own : new RecomputingLm(model, mask, maxBatch, maxLength);
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

  /** Segment id of generated tokens: 1 under a UniLM mask, else 0. */
  public int generationSegment() {
    return generationSegment;
  }

  @Override
  public FloatTensor start(int[][] prompts, int[][] promptSegments) {
    if (prompts == null || prompts.length == 0 || prompts.length > maxBatch) {
      throw new IllegalArgumentException("start needs 1 to maxBatch=" + maxBatch + " prompts, got "
          + (prompts == null ? "null" : prompts.length));
    }
    if (promptSegments != null && promptSegments.length != prompts.length) {
      throw new IllegalArgumentException(promptSegments.length + " segment rows for " + prompts.length
          + " prompts");
    }
    int[][] newTokens = new int[prompts.length][];
    int[][] newSegments = new int[prompts.length][];
    int[] newLengths = new int[prompts.length];
    for (int b = 0; b < prompts.length; b++) {
      int[] prompt = prompts[b];
      if (prompt == null || prompt.length == 0 || prompt.length > maxLength) {
        throw new IllegalArgumentException("prompt " + b + " has " + (prompt == null ? "no" : prompt.length)
            + " tokens; a prompt needs 1 to maxLength=" + maxLength);
      }
      int[] segment = promptSegments == null ? new int[prompt.length] : promptSegments[b];
      if (segment == null || segment.length != prompt.length) {
        throw new IllegalArgumentException("prompt " + b + " has " + prompt.length + " tokens and "
            + (segment == null ? "no" : segment.length) + " segment ids");
      }
      newTokens[b] = new int[maxLength];
      newSegments[b] = new int[maxLength];
      for (int i = 0; i < prompt.length; i++) {
        newTokens[b][i] = requireToken(prompt[i], "prompt " + b + " position " + i);
        newSegments[b][i] = segment[i];
      }
      newLengths[b] = prompt.length;
    }
    tokens = newTokens;
    segments = newSegments;
    lengths = newLengths;
    return lastLogits();
  }

  @Override
  public FloatTensor step(int[] next) {
    if (next == null || next.length != tokens.length) {
      throw new IllegalArgumentException("step takes one token per sequence: " + tokens.length
          + " sequences, got " + (next == null ? "null" : next.length + " tokens"));
    }
    for (int b = 0; b < next.length; b++) {
      if (lengths[b] == maxLength) {
        throw new IllegalArgumentException("sequence " + b + " already holds maxLength=" + maxLength
            + " tokens");
      }
      requireToken(next[b], "step token of sequence " + b);
    }
    for (int b = 0; b < next.length; b++) {
      tokens[b][lengths[b]] = next[b];
      segments[b][lengths[b]] = generationSegment;
      lengths[b]++;
    }
    return lastLogits();
  }

  @Override
  public void reorder(int[] parents) {
    if (parents == null || parents.length == 0 || parents.length > maxBatch) {
      throw new IllegalArgumentException("reorder needs 1 to maxBatch=" + maxBatch + " parents, got "
          + (parents == null ? "null" : parents.length));
    }
    int[][] newTokens = new int[parents.length][];
    int[][] newSegments = new int[parents.length][];
    int[] newLengths = new int[parents.length];
    for (int b = 0; b < parents.length; b++) {
      int p = parents[b];
      if (p < 0 || p >= tokens.length) {
        throw new IllegalArgumentException("parent " + p + " of sequence " + b + " is outside the "
            + tokens.length + " current sequences");
      }
      newTokens[b] = tokens[p].clone();
      newSegments[b] = segments[p].clone();
      newLengths[b] = lengths[p];
    }
    tokens = newTokens;
    segments = newSegments;
    lengths = newLengths;
  }

  private int requireToken(int token, String where) {
    if (token <= 0 || token >= vocab) {
      throw new IllegalArgumentException(where + ": token " + token + " is outside [1, " + vocab
          + ") (0 is padding)");
    }
    return token;
  }

  /** One forward over the right-padded batch; row b's logits at position lengths[b] − 1. */
  private FloatTensor lastLogits() {
    int batch = tokens.length;
    int longest = 0;
    for (int length : lengths) {
      longest = Math.max(longest, length);
    }
    int[][] paddedTokens = new int[batch][];
    int[][] paddedSegments = new int[batch][];
    for (int b = 0; b < batch; b++) {
      paddedTokens[b] = new int[longest];
      paddedSegments[b] = new int[longest];
      System.arraycopy(tokens[b], 0, paddedTokens[b], 0, lengths[b]);
      System.arraycopy(segments[b], 0, paddedSegments[b], 0, lengths[b]);
    }
    float[] all = model.forward(Batch.of(paddedTokens, paddedSegments)).mlmLogits().data();
    float[] last = new float[batch * vocab];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(all, (b * longest + lengths[b] - 1) * vocab, last, b * vocab, vocab);
    }
    return new FloatTensor(new int[] {batch, vocab}, last);
  }
}
