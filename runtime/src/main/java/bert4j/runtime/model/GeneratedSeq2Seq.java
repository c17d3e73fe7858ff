package bert4j.runtime.model;

import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.generate.IncrementalLm;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.kernels.Slice;

/**
 * The runtime half of an encoder–decoder (T5) that decodes incrementally: {@link IncrementalLm}
 * where the prompts are the encoder's inputs and the decoder extends each sequence from the start
 * token 0. {@link #start} runs the forward pass once over the inputs and the start token, and keeps
 * what it left of each decoder layer in the {@link KeyValueCache}: the start token's self-attention
 * key and value (cache layer l) and the encoder rows' cross-attention keys and values (cache layer
 * layers + l, computed once per input), the input ids beside them for the padding mask. A
 * {@link #step} runs the generated {@link #decodePass} on one new token per sequence. Reordering
 * (beams) moves the decoder's rows and all the encoder rows. A decoding call reuses the activation
 * arena, so the outputs of an earlier {@code forward} are gone after it.
 */
public abstract class GeneratedSeq2Seq extends GeneratedTransformer implements IncrementalLm {
  private final DecodeLayout decode;
  private KeyValueCache cache;
  private int encodedLength;

  /** Each sequence's decoder position of its new row ({@code decoderAttention}'s starts). */
  protected final int[] starts;

  protected GeneratedSeq2Seq(Kernels kernels, ModelLayout layout, DecodeLayout decode,
      int maxBatch, int maxLength, boolean inferenceOnly) {
    super(kernels, layout, maxBatch, maxLength, inferenceOnly);
    this.decode = decode;
    this.starts = new int[maxBatch];
  }

  /** The decoder over {@code batch} sequences of {@code seq} new rows against the caches. */
  protected abstract void decodePass(int batch, int seq);

  /** Where {@link #decodePass} leaves the logits, {@code [batch·seq, vocab]}. */
  protected abstract Slice decodeLogits();

  /**
   * Per decoder layer, the forward pass's self key, self value, cross key and cross value buffers
   * ({@code [batch, seq, heads·keySize]} each).
   */
  protected abstract Slice[] encodedCaches();

  /** The forward pass's LM logits, {@code [batch, seq, vocab]}. */
  protected abstract Slice startLogits();

  /** Cache layer {@code layer}'s keys, {@code [maxBatch + 1, maxLength, width]}. */
  protected final Slice keyCache(int layer) {
    return cache.keys(layer);
  }

  /** Cache layer {@code layer}'s values. */
  protected final Slice valueCache(int layer) {
    return cache.values(layer);
  }

  /** The input id of every cached encoder position, {@code [maxBatch + 1, maxLength]}. */
  protected final int[] cacheTokens() {
    return cache.tokens;
  }

  /** The encoder rows the cross-attention caches hold (the batch's longest input). */
  protected final int encodedLength() {
    return encodedLength;
  }

  @Override
  public int vocab() {
    return layout().vocab();
  }

  /** The encoder's input and the decoder's start token with the generated ones, apart. */
  @Override
  public int positions(int promptLength, int maxTokens) {
    return Math.max(promptLength, maxTokens);
  }

  /** Encodes {@code inputs} (no segments: {@code segments} must be null) and returns the first logits. */
  @Override
  public FloatTensor start(int[][] inputs, int[][] segments) {
    if (inputs == null || inputs.length < 1 || inputs.length > maxBatch()) {
      throw new IllegalArgumentException("start: inputs must hold 1 to maxBatch=" + maxBatch()
          + " sequences, got " + (inputs == null ? "null" : inputs.length));
    }
    if (segments != null) {
      throw new IllegalArgumentException("start: " + specName() + " has no segments; pass null");
    }
    int batch = inputs.length;
    int seq = 0;
    for (int b = 0; b < batch; b++) {
      if (inputs[b] == null || inputs[b].length < 1 || inputs[b].length > maxLength()) {
        throw new IllegalArgumentException("start: input " + b + " must hold 1 to maxLength="
            + maxLength() + " tokens, got " + (inputs[b] == null ? "null" : inputs[b].length));
      }
      seq = Math.max(seq, inputs[b].length);
    }
    int[][] padded = new int[batch][seq];
    int[][] decoder = new int[batch][1];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(inputs[b], 0, padded[b], 0, inputs[b].length);
    }
    enter("start");
    try {
      runForward(Batch.seq2seq(padded, decoder, null));
      if (cache == null) {
        cache = new KeyValueCache(kernels, maxBatch(), maxLength(), decode, specName());
      }
      cache.reset(batch);
      keepEncoded(batch, seq, padded);
      encodedLength = seq;
      cache.holdRows(seq);
      int vocab = vocab();
      float[] logits = new float[batch * vocab];
      for (int b = 0; b < batch; b++) {
        FloatTensor row = read(startLogits().plus((long) b * seq * vocab), vocab);
        System.arraycopy(row.data(), 0, logits, b * vocab, vocab);
        cache.setLength(b, 1);
      }
      forgetLastForward();
      return new FloatTensor(new int[] {batch, vocab}, logits);
    } finally {
      exit();
    }
  }

  /** Copies the start token's self keys and values and the encoder rows' cross ones into the cache. */
  private void keepEncoded(int batch, int seq, int[][] inputs) {
    Slice[] encoded = encodedCaches();
    int layers = encoded.length / 4;
    int width = decode.keyWidth();
    long slot = (long) maxLength() * width;
    for (int l = 0; l < layers; l++) {
      for (int b = 0; b < batch; b++) {
        long row = (long) b * seq * width;
        kernels.copy(encoded[4 * l].plus(row), cache.keys(l).plus(b * slot), width);
        kernels.copy(encoded[4 * l + 1].plus(row), cache.values(l).plus(b * slot), width);
        kernels.copy(encoded[4 * l + 2].plus(row), cache.keys(layers + l).plus(b * slot),
            (long) seq * width);
        kernels.copy(encoded[4 * l + 3].plus(row), cache.values(layers + l).plus(b * slot),
            (long) seq * width);
      }
    }
    for (int b = 0; b < batch; b++) {
      System.arraycopy(inputs[b], 0, cache.tokens, b * maxLength(), seq);
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
              + maxLength() + " decoder tokens; create the model with a larger maxLength");
        }
      }
      for (int b = 0; b < batch; b++) {
        tokenIds[b] = tokens[b];
        starts[b] = cache.length(b);
      }
      forgetLastForward();
      decodePass(batch, 1);
      FloatTensor logits = read(decodeLogits(), batch, vocab());
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

  private int requireStarted(String call) {
    if (cache == null || cache.batch() == 0) {
      throw new IllegalStateException(call + ": no sequences yet; call start(inputs, null) first");
    }
    return cache.batch();
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
