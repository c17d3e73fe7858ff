package bert4j.runtime.cpu;

import bert4j.dsl.Mask;
import java.nio.FloatBuffer;

/**
 * Attention of new rows against a key/value cache (incremental decoding), one (sequence, head) pair
 * per task step, each thread calling single-threaded OpenBLAS as {@link AttentionKernels} does. Per
 * pair: the pair's slices of the new k and v rows are copied into the caches at their positions; then
 * logits = scale·q_new·K_cacheᵀ over the sequence's cached positions (sgemm into thread scratch), each
 * row masked and softmaxed by {@link MaskedSoftmax} at its position, and ctx = P·V_cache (sgemm).
 */
final class CachedAttentionKernels {
  private final ParallelRows pool;
  private final Scratch[] scratch;
  private final MaskedSoftmax[] softmax;

  private int seq;
  private int capacity;
  private int heads;
  private int keySize;
  private int headSize;
  private float scale;
  private Mask mask;
  private int[] cacheTokens;
  private int[] cacheSegments;
  private int[] starts;
  private CpuWindow q;
  private CpuWindow k;
  private CpuWindow v;
  private CpuWindow keyCache;
  private CpuWindow valueCache;
  private CpuWindow ctx;
  private int qOff;
  private int kOff;
  private int vOff;
  private int keyCacheOff;
  private int valueCacheOff;
  private int ctxOff;
  private final ParallelRows.Task pairs = this::pairs;

  CachedAttentionKernels(ParallelRows pool, Scratch[] scratch) {
    this.pool = pool;
    this.scratch = scratch;
    this.softmax = new MaskedSoftmax[scratch.length];
    for (int i = 0; i < softmax.length; i++) {
      softmax[i] = new MaskedSoftmax(scratch[i]);
    }
  }

  /** The sizes of one call: sequences, new rows per sequence, cache positions per sequence, heads. */
  record Shape(int batch, int seq, int capacity, int heads, int keySize, int headSize, float scale) {}

  void forward(Shape shape, Mask mask, int[] cacheTokens, int[] cacheSegments, int[] starts,
      CpuWindow q, int qOff, CpuWindow k, int kOff, CpuWindow v, int vOff, CpuWindow keyCache,
      int keyCacheOff, CpuWindow valueCache, int valueCacheOff, CpuWindow ctx, int ctxOff) {
    this.seq = shape.seq();
    this.capacity = shape.capacity();
    this.heads = shape.heads();
    this.keySize = shape.keySize();
    this.headSize = shape.headSize();
    this.scale = shape.scale();
    this.mask = mask;
    this.cacheTokens = cacheTokens;
    this.cacheSegments = cacheSegments;
    this.starts = starts;
    this.q = q;
    this.qOff = qOff;
    this.k = k;
    this.kOff = kOff;
    this.v = v;
    this.vOff = vOff;
    this.keyCache = keyCache;
    this.keyCacheOff = keyCacheOff;
    this.valueCache = valueCache;
    this.valueCacheOff = valueCacheOff;
    this.ctx = ctx;
    this.ctxOff = ctxOff;
    long longest = 0;
    for (int b = 0; b < shape.batch(); b++) {
      longest = Math.max(longest, starts[b] + seq);
    }
    try {
      Blas.inWorkers(pool, shape.batch() * heads, 2L * seq * longest * (keySize + headSize),
          pairs);
    } finally {
      this.q = this.k = this.v = this.keyCache = this.valueCache = this.ctx = null;
      this.cacheTokens = this.cacheSegments = this.starts = null;
    }
  }

  private void pairs(int thread, int from, int to) {
    Scratch s = scratch[thread];
    MaskedSoftmax rows = softmax[thread];
    int qkWidth = heads * keySize;
    int vWidth = heads * headSize;
    for (int pair = from; pair < to; pair++) {
      int b = pair / heads;
      int h = pair % heads;
      int start = starts[b];
      int keys = start + seq;
      int kc = keyCacheOff + b * capacity * qkWidth + h * keySize;
      int vc = valueCacheOff + b * capacity * vWidth + h * headSize;
      append(s, k, kOff + b * seq * qkWidth + h * keySize, qkWidth, keyCache,
          kc + start * qkWidth, keySize);
      append(s, v, vOff + b * seq * vWidth + h * headSize, vWidth, valueCache,
          vc + start * vWidth, headSize);

      FloatBuffer logits = s.direct(0, seq * keys);
      logits.position(0);
      Blas.gemm(false, true, seq, keys, keySize, scale,
          q.view(thread, 0, qOff + b * seq * qkWidth + h * keySize), qkWidth,
          keyCache.view(thread, 1, kc), qkWidth, 0f, logits, keys);
      rows.batch(mask, cacheTokens, cacheSegments, b * capacity, keys);
      float[] row = s.row(0, keys);
      for (int i = 0; i < seq; i++) {
        logits.get(i * keys, row, 0, keys);
        rows.softmax(start + i, row);
        logits.put(i * keys, row, 0, keys);
      }
      logits.position(0);
      Blas.gemm(false, false, seq, headSize, keys, 1f, logits, keys,
          valueCache.view(thread, 1, vc), vWidth, 0f,
          ctx.view(thread, 2, ctxOff + b * seq * vWidth + h * headSize), vWidth);
    }
  }

  /** Copies {@code seq} rows of {@code width} floats (row stride {@code stride}) into the cache. */
  private void append(Scratch s, CpuWindow from, int fromOff, int stride, CpuWindow cache,
      int cacheOff, int width) {
    float[] row = s.row(1, width);
    FloatBuffer src = from.floats();
    FloatBuffer dst = cache.floats();
    for (int i = 0; i < seq; i++) {
      src.get(fromOff + i * stride, row, 0, width);
      dst.put(cacheOff + i * stride, row, 0, width);
    }
  }
}
