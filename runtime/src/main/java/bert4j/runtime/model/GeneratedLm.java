package bert4j.runtime.model;

import bert4j.runtime.FloatTensor;
import bert4j.runtime.generate.IncrementalLm;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Slice;

/**
 * The runtime half of a generated model that decodes incrementally (a spec with an LM or UniLM mask,
 * or a GPT architecture, and the LM head): {@link IncrementalLm} over a {@link KeyValueCache}. It
 * stages each call's new rows (token, segment and position ids; where each sequence starts in the
 * cache; which rows are each sequence's last) and runs the generated {@link #decodePass}, which
 * writes the new keys and values into the cache and leaves the LM head's logits of each sequence's
 * last row in {@link #decodeLogits}. A decoding call reuses the activation arena, so the outputs of
 * an earlier {@code forward} are gone after it.
 */
public abstract class GeneratedLm extends GeneratedTransformer implements IncrementalLm {
  private final DecodeLayout decode;
  private KeyValueCache cache;

  /** Where each sequence's new rows start in the cache ({@code cachedAttention}'s starts). */
  protected final int[] starts;
  /** The row of each sequence's last new token, which the LM head reads. */
  protected final int[] lastRows;

  protected GeneratedLm(Kernels kernels, ModelLayout layout, DecodeLayout decode, int maxBatch,
      int maxLength, boolean inferenceOnly) {
    super(kernels, layout, maxBatch, maxLength, inferenceOnly);
    this.decode = decode;
    this.starts = new int[maxBatch];
    this.lastRows = new int[maxBatch];
  }

  /**
   * The forward pass of {@code batch} sequences of {@code seq} new rows each, already staged, over
   * the cache: the embeddings at the staged positions, each layer's attention against its cached
   * keys and values (after appending the new ones), the LM head on each sequence's last row.
   */
  protected abstract void decodePass(int batch, int seq);

  /** Where {@link #decodePass} leaves the logits, {@code [batch, vocab]}. */
  protected abstract Slice decodeLogits();

  /** Layer {@code layer}'s cached keys, {@code [maxBatch + 1, maxLength, heads·keySize]}. */
  protected final Slice keyCache(int layer) {
    return cache.keys(layer);
  }

  /** Layer {@code layer}'s cached values, {@code [maxBatch + 1, maxLength, heads·headSize]}. */
  protected final Slice valueCache(int layer) {
    return cache.values(layer);
  }

  /** The token id of every cached position, {@code [maxBatch + 1, maxLength]}. */
  protected final int[] cacheTokens() {
    return cache.tokens;
  }

  /** The segment id of every cached position, {@code [maxBatch + 1, maxLength]}. */
  protected final int[] cacheSegments() {
    return cache.segments;
  }

  @Override
  public int vocab() {
    return layout().vocab();
  }

  @Override
  public FloatTensor start(int[][] prompts, int[][] segments) {
    checkPrompts(prompts, segments);
    enter("start");
    try {
      if (cache == null) {
        cache = new KeyValueCache(kernels, maxBatch(), maxLength(), decode, specName());
      }
      int batch = prompts.length;
      int seq = 0;
      for (int[] prompt : prompts) {
        seq = Math.max(seq, prompt.length);
      }
      cache.reset(batch);
      for (int b = 0; b < batch; b++) {
        int length = prompts[b].length;
        for (int i = 0; i < seq; i++) {
          int token = i < length ? prompts[b][i] : 0;
          int segment = i < length && segments != null ? segments[b][i] : 0;
          stage(b * seq + i, b, i, token, segment);
        }
        starts[b] = 0;
        lastRows[b] = b * seq + length - 1;
      }
      FloatTensor logits = run(batch, seq);
      for (int b = 0; b < batch; b++) {
        cache.setLength(b, prompts[b].length);
      }
      return logits;
    } finally {
      exit();
    }
  }

  @Override
  public FloatTensor step(int[] tokens) {
    enter("step");
    try {
      int batch = requireStarted("step");
      if (tokens == null || tokens.length != batch) {
        throw new IllegalArgumentException("step: expected " + batch + " tokens, one per sequence, got "
            + (tokens == null ? "null" : tokens.length));
      }
      for (int b = 0; b < batch; b++) {
        DecodeArguments.token("step: tokens[" + b + "]", tokens[b], vocab());
        if (cache.length(b) >= maxLength()) {
          throw new IllegalArgumentException("step: sequence " + b + " already holds maxLength="
              + maxLength() + " tokens; create the model with a larger maxLength");
        }
      }
      for (int b = 0; b < batch; b++) {
        int position = cache.length(b);
        stage(b, b, position, tokens[b], decode.generationSegment());
        starts[b] = position;
        lastRows[b] = b;
      }
      FloatTensor logits = run(batch, 1);
      for (int b = 0; b < batch; b++) {
        cache.setLength(b, cache.length(b) + 1);
      }
      return logits;
    } finally {
      exit();
    }
  }

  @Override
  public void reorder(int[] parents) {
    enter("reorder");
    try {
      int batch = requireStarted("reorder");
      DecodeArguments.parents(parents, batch, maxBatch());
      cache.reorder(parents);
    } finally {
      exit();
    }
  }

  /** Row {@code row} of the call is token {@code token} of sequence {@code b} at {@code position}. */
  private void stage(int row, int b, int position, int token, int segment) {
    tokenIds[row] = token;
    segmentIds[row] = segment;
    positionIds[row] = position;
    cache.tokens[b * maxLength() + position] = token;
    cache.segments[b * maxLength() + position] = segment;
  }

  private FloatTensor run(int batch, int seq) {
    forgetLastForward();
    decodePass(batch, seq);
    return read(decodeLogits(), batch, vocab());
  }

  private int requireStarted(String call) {
    if (cache == null || cache.batch() == 0) {
      throw new IllegalStateException(call + ": no sequences yet; call start(prompts, segments) "
          + "first");
    }
    return cache.batch();
  }

  private void checkPrompts(int[][] prompts, int[][] segments) {
    if (prompts == null || prompts.length < 1 || prompts.length > maxBatch()) {
      throw new IllegalArgumentException("start: prompts must hold 1 to maxBatch=" + maxBatch()
          + " sequences, got " + (prompts == null ? "null" : prompts.length));
    }
    if (segments != null && segments.length != prompts.length) {
      throw new IllegalArgumentException("start: " + segments.length + " segment arrays for "
          + prompts.length + " prompts");
    }
    for (int b = 0; b < prompts.length; b++) {
      int[] prompt = prompts[b];
      if (prompt == null || prompt.length < 1 || prompt.length > maxLength()) {
        throw new IllegalArgumentException("start: prompt " + b + " must hold 1 to maxLength="
            + maxLength() + " tokens, got " + (prompt == null ? "null" : prompt.length));
      }
      for (int i = 0; i < prompt.length; i++) {
        DecodeArguments.token("start: prompts[" + b + "][" + i + "]", prompt[i], vocab());
      }
      if (segments != null) {
        checkSegments(b, prompt.length, segments[b]);
      }
    }
  }

  private void checkSegments(int b, int length, int[] segment) {
    if (segment == null || segment.length != length) {
      throw new IllegalArgumentException("start: segments[" + b + "] must give one id per prompt "
          + "token (" + length + "), got " + (segment == null ? "null" : segment.length));
    }
    int count = Math.max(1, layout().segments());
    for (int i = 0; i < length; i++) {
      if (segment[i] < 0 || segment[i] >= count) {
        throw new IllegalArgumentException("start: segments[" + b + "][" + i + "] = " + segment[i]
            + " is outside [0, " + count + ")");
      }
    }
  }

  @Override
  public void close() {
    super.close();
    if (cache != null) {
      cache.close();
      cache = null;
    }
  }
}
