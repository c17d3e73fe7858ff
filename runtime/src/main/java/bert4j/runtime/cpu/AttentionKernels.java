package bert4j.runtime.cpu;

import bert4j.dsl.Mask;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Multi-head attention, one (batch, head) pair per task step, each thread running single-threaded
 * products on its own pairs: at BERT-base sizes (8 × 12 pairs of 128 × 128 × 64) this took 5.6 ms
 * against 13 ms for the same pairs run in turn with OpenBLAS's two threads inside each small gemm.
 *
 * <p>Forward per pair: logits = scale·q·kᵀ written into {@code probs}; the masked keys set to −∞
 * ({@link MaskedSoftmax#maskLogits}), the rows softmaxed in place by oneDNN's JIT kernel
 * ({@link OneDnnSoftmax}) and the rows with no allowed key set to 1/seq; for dropout, the dropped
 * probabilities go to a per-thread window; ctx = P·v, strided into ctx. q, k and v are read with
 * their row strides, so they may be the column blocks of the fused q·k·v product, read in place
 * ({@code Kernels.stackedAttention}; dq, dk and dv are then written into its gradient the same way).
 * Where oneDNN is loaded the
 * two products are its matmul, one single-threaded {@link OneDnnSgemm} per pool thread (13–16%
 * faster than OpenBLAS's sgemm on these shapes); where it is not, they are OpenBLAS's and one fused
 * Java pass per row masks and softmaxes it ({@link MaskedSoftmax#softmax}).
 *
 * <p>Measured 2026-12-01 ({@code AttentionTiming}, AMD EPYC Zen 5, 2 threads, load average 1–2.5,
 * one BERT-base layer, 12 heads of 64): the Java row pass was about half of the forward (its
 * exponential's 2^k step and short rows do not vectorize on JDK 17); the forward went from 4.22 to
 * 2.45 ms at batch 8 × seq 128 and from 6.47 to 3.75 ms at 1 × 512 with oneDNN's softmax, and to
 * about 2.2 and 3.5 ms with oneDNN's products as well, which are now most of it.
 *
 * <p>Backward per pair: dP = dCtx·vᵀ; with dropout, the mask is redrawn and dP scaled by it; dV =
 * P_droppedᵀ·dCtx; dS = P ⊙ (dP − rowsum(dP ⊙ P)) (0 on a row with no allowed key); dq =
 * scale·dS·k; dk = scale·dSᵀ·q. A uniform (fully masked) row is differentiated like a softmax of equal
 * logits, as TensorFlow does for bert4keras's additive mask. The four products run on the same
 * per-thread products as the forward's, dS in a per-thread window.
 *
 * <p>The elementwise work between the products runs over a whole pair at once (the mask drawn for
 * its seq² elements, the probabilities and dP read into one array each), not row by row: the
 * vectorized loops then run long. Same arithmetic, same bits; measured 2026-12-01 (one BERT-base
 * layer at 8 × 128, dropout 0.1, alternating in one JVM, AMD EPYC Zen 5, 2 threads) forward 3.44 →
 * 3.07 ms and backward 5.83 → 5.27 ms.
 */
final class AttentionKernels implements AutoCloseable {
  private final ParallelRows pool;
  private final Scratch[] scratch;
  private final MaskedSoftmax[] softmax;
  /** oneDNN's row softmax, or null where oneDNN is not loaded (then the Java row pass). */
  private final OneDnnSoftmax rowSoftmax;
  /** The products, one single-threaded oneDNN per pool thread; null: OpenBLAS. */
  private final OneDnnSgemm[] products;
  /** Per thread, the dropped probabilities of a pair (grown to the largest pair). */
  private final CpuWindow[] dropped;
  /** Per thread, a pair's score gradients dS in the backward. */
  private final CpuWindow[] scores;

  private int heads;
  private int seq;
  private int keySize;
  private int headSize;
  /** Floats from one row of q and k (and dq, dk) to the next. */
  private int qkStride;
  /** Floats from one row of v (and dv) to the next; the context's rows are heads·headSize wide. */
  private int vStride;
  private float scale;
  private Mask mask;
  private int[] tokenIds;
  private int[] segmentIds;
  private float dropout;
  private long seed;
  private CpuWindow q;
  private CpuWindow k;
  private CpuWindow v;
  private CpuWindow probs;
  private CpuWindow ctx;
  private CpuWindow dCtx;
  private CpuWindow dq;
  private CpuWindow dk;
  private CpuWindow dv;
  private int qOff;
  private int kOff;
  private int vOff;
  private int probsOff;
  private int ctxOff;
  private int dCtxOff;
  private int dqOff;
  private int dkOff;
  private int dvOff;
  private final ParallelRows.Task forwardPairs = this::forwardPairs;
  private final ParallelRows.Task backwardPairs = this::backwardPairs;

  /**
   * {@code dnnl} null: OpenBLAS products and the Java row pass; else {@code products} are each pool
   * thread's (the backend's, closed by it).
   */
  AttentionKernels(ParallelRows pool, Scratch[] scratch, OneDnn dnnl, OneDnnSgemm[] products) {
    this.pool = pool;
    this.scratch = scratch;
    this.rowSoftmax = dnnl == null ? null : new OneDnnSoftmax(dnnl, pool.threads());
    this.products = dnnl == null ? null : products;
    this.dropped = new CpuWindow[pool.threads()];
    this.scores = new CpuWindow[pool.threads()];
    this.softmax = new MaskedSoftmax[scratch.length];
    for (int i = 0; i < softmax.length; i++) {
      softmax[i] = new MaskedSoftmax(scratch[i]);
    }
  }

  void forward(int batch, int seq, int heads, int keySize, int headSize, float scale, Mask mask,
      int[] tokenIds, int[] segmentIds, CpuWindow q, int qOff, CpuWindow k, int kOff, CpuWindow v,
      int vOff, int qkStride, int vStride, CpuWindow probs, int probsOff, CpuWindow ctx, int ctxOff,
      float dropout, long seed) {
    shape(seq, heads, keySize, headSize, qkStride, vStride, scale, dropout, seed);
    this.mask = mask;
    this.tokenIds = tokenIds;
    this.segmentIds = segmentIds;
    this.q = q;
    this.qOff = qOff;
    this.k = k;
    this.kOff = kOff;
    this.v = v;
    this.vOff = vOff;
    this.probs = probs;
    this.probsOff = probsOff;
    this.ctx = ctx;
    this.ctxOff = ctxOff;
    if (rowSoftmax == null) {
      runPairs(batch, forwardPairs);
      return;
    }
    rowSoftmax.prepare(seq);
    runPairs(batch, forwardPairs);
  }

  void backward(int batch, int seq, int heads, int keySize, int headSize, float scale, Mask mask,
      int[] tokenIds, int[] segmentIds, CpuWindow q, int qOff, CpuWindow k, int kOff, CpuWindow v,
      int vOff, int qkStride, int vStride, CpuWindow probs, int probsOff, CpuWindow dCtx,
      int dCtxOff, CpuWindow dq, int dqOff, CpuWindow dk, int dkOff, CpuWindow dv, int dvOff,
      float dropout, long seed) {
    shape(seq, heads, keySize, headSize, qkStride, vStride, scale, dropout, seed);
    this.mask = mask;
    this.tokenIds = tokenIds;
    this.segmentIds = segmentIds;
    this.q = q;
    this.qOff = qOff;
    this.k = k;
    this.kOff = kOff;
    this.v = v;
    this.vOff = vOff;
    this.probs = probs;
    this.probsOff = probsOff;
    this.dCtx = dCtx;
    this.dCtxOff = dCtxOff;
    this.dq = dq;
    this.dqOff = dqOff;
    this.dk = dk;
    this.dkOff = dkOff;
    this.dv = dv;
    this.dvOff = dvOff;
    runPairs(batch, backwardPairs);
  }

  private void shape(int seq, int heads, int keySize, int headSize, int qkStride, int vStride,
      float scale, float dropout, long seed) {
    this.seq = seq;
    this.heads = heads;
    this.keySize = keySize;
    this.headSize = headSize;
    this.qkStride = qkStride;
    this.vStride = vStride;
    this.scale = scale;
    this.dropout = dropout;
    this.seed = seed;
  }

  /** Runs the pairs with OpenBLAS single-threaded inside our workers, then gives it all cores back. */
  private void runPairs(int batch, ParallelRows.Task task) {
    try {
      Blas.inWorkers(pool, batch * heads, 4L * seq * seq * (keySize + headSize), task);
    } finally {
      q = k = v = probs = ctx = dCtx = dq = dk = dv = null;
      tokenIds = segmentIds = null;
    }
  }

  private void forwardPairs(int thread, int from, int to) {
    Scratch s = scratch[thread];
    int n = seq;
    int vWidth = heads * headSize;
    MaskedSoftmax rows = softmax[thread];
    float[] row = s.row(0, n);
    FloatBuffer p = probs.floats();
    int lastBatch = -1;
    for (int pair = from; pair < to; pair++) {
      int b = pair / heads;
      int h = pair % heads;
      if (b != lastBatch) {
        rows.batch(mask, tokenIds, segmentIds, b * n, n);
        lastBatch = b;
      }
      int qo = qOff + b * n * qkStride + h * keySize;
      int ko = kOff + b * n * qkStride + h * keySize;
      int po = probsOff + pair * n * n;
      gemm(thread, false, true, n, n, keySize, scale, q, qo, qkStride, k, ko, qkStride, probs, po,
          n);
      if (rowSoftmax != null) {
        for (int i = 0; i < n; i++) {
          rows.maskLogits(i, p, po + i * n);
        }
        rowSoftmax.rows(thread, probs, po);
        for (int i = 0; i < n; i++) {
          rows.fillUnseen(i, p, po + i * n);
        }
      } else {
        for (int i = 0; i < n; i++) {
          p.get(po + i * n, row, 0, n);
          rows.softmax(i, row);
          p.put(po + i * n, row, 0, n);
        }
      }
      CpuWindow pw = probs;
      int pwOff = po;
      if (dropout > 0f) {
        pw = dropped(thread, n * n);
        pwOff = 0;
        int size = n * n;
        float[] kept = s.row(3, size);
        float[] pairFactor = s.row(4, size);
        DropoutKernels.factors(seed, po - probsOff, dropout, pairFactor, size,
            s.words(DropoutKernels.BLOCK));
        p.get(po, kept, 0, size);
        for (int j = 0; j < size; j++) {
          kept[j] *= pairFactor[j];
        }
        pw.floats().put(0, kept, 0, size);
      }
      int vo = vOff + b * n * vStride + h * headSize;
      int co = ctxOff + b * n * vWidth + h * headSize;
      gemm(thread, false, false, n, headSize, n, 1f, pw, pwOff, n, v, vo, vStride, ctx, co, vWidth);
    }
  }

  /** Thread {@code thread}'s window for dropped probabilities, at least {@code floats} long. */
  private CpuWindow dropped(int thread, int floats) {
    return grown(dropped, thread, floats);
  }

  /** {@code windows[thread]}, replaced by a new direct window first when under {@code floats}. */
  private CpuWindow grown(CpuWindow[] windows, int thread, int floats) {
    CpuWindow w = windows[thread];
    if (w == null || w.capacity() < floats) {
      FloatBuffer b = ByteBuffer.allocateDirect(floats * Float.BYTES)
          .order(ByteOrder.nativeOrder()).asFloatBuffer();
      w = new CpuWindow(b, floats, pool.threads());
      windows[thread] = w;
    }
    return w;
  }

  @Override
  public void close() {
    if (rowSoftmax != null) {
      rowSoftmax.close();
    }
  }

  private void backwardPairs(int thread, int from, int to) {
    Scratch s = scratch[thread];
    int n = seq;
    int vWidth = heads * headSize;
    FloatBuffer p = probs.floats();
    MaskedSoftmax rows = softmax[thread];
    CpuWindow dS = scores(thread, n * n);
    FloatBuffer dSFloats = dS.floats();
    int lastBatch = -1;
    for (int pair = from; pair < to; pair++) {
      int b = pair / heads;
      int h = pair % heads;
      if (b != lastBatch) {
        rows.batch(mask, tokenIds, segmentIds, b * n, n);
        lastBatch = b;
      }
      int qo = qOff + b * n * qkStride + h * keySize;
      int ko = kOff + b * n * qkStride + h * keySize;
      int vo = vOff + b * n * vStride + h * headSize;
      int co = dCtxOff + b * n * vWidth + h * headSize;
      int po = probsOff + pair * n * n;
      gemm(thread, false, true, n, n, headSize, 1f, dCtx, co, vWidth, v, vo, vStride, dS, 0, n);
      CpuWindow dropped = dropout > 0f ? dropped(thread, n * n) : null;
      int size = n * n;
      float[] pAll = s.row(3, size);
      float[] dAll = s.row(4, size);
      p.get(po, pAll, 0, size);
      dSFloats.get(0, dAll, 0, size);
      if (dropped != null) {
        float[] kept = s.row(5, size);
        DropoutKernels.factors(seed, po - probsOff, dropout, kept, size,
            s.words(DropoutKernels.BLOCK));
        for (int j = 0; j < size; j++) {
          dAll[j] *= kept[j];
          kept[j] *= pAll[j];
        }
        dropped.floats().put(0, kept, 0, size);
      }
      for (int i = 0; i < n; i++) {
        int at = i * n;
        if (rows.seesAnyKey(i)) {
          float d = FloatMath.dot(dAll, at, pAll, at, n);
          for (int j = at; j < at + n; j++) {
            dAll[j] = pAll[j] * (dAll[j] - d);
          }
        } else {
          Arrays.fill(dAll, at, at + n, 0f);
        }
      }
      dSFloats.put(0, dAll, 0, size);
      CpuWindow pd = dropped != null ? dropped : probs;
      int pdOff = dropped != null ? 0 : po;
      gemm(thread, true, false, n, headSize, n, 1f, pd, pdOff, n, dCtx, co, vWidth, dv,
          dvOff + (vo - vOff), vStride);
      gemm(thread, false, false, n, keySize, n, scale, dS, 0, n, k, ko, qkStride, dq,
          dqOff + (qo - qOff), qkStride);
      gemm(thread, true, false, n, keySize, n, scale, dS, 0, n, q, qo, qkStride, dk,
          dkOff + (ko - kOff), qkStride);
    }
  }

  /**
   * C = alpha·op(A)·op(B) on thread {@code thread}: its single-threaded oneDNN product where oneDNN
   * loaded, else OpenBLAS (single-threaded inside the workers, {@link #runPairs}).
   */
  private void gemm(int thread, boolean transA, boolean transB, int m, int n, int k, float alpha,
      CpuWindow a, int aOff, int lda, CpuWindow b, int bOff, int ldb, CpuWindow c, int cOff,
      int ldc) {
    if (products != null) {
      products[thread].gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, false, c,
          cOff, ldc);
    } else {
      Blas.gemm(transA, transB, m, n, k, alpha, a.view(thread, 0, aOff), lda,
          b.view(thread, 1, bOff), ldb, 0f, c.view(thread, 2, cOff), ldc);
    }
  }

  /** Thread {@code thread}'s window for a pair's score gradients dS, at least {@code floats} long. */
  private CpuWindow scores(int thread, int floats) {
    return grown(scores, thread, floats);
  }
}
