package bert4j.runtime.cpu;

/**
 * Float math over {@code float[]} chunks, written so that HotSpot's C2 auto-vectorizes every loop
 * (measured on JDK 17 with AVX-512: {@link Math#exp} costs ~14 ns a call and never vectorizes; the
 * {@link #exp} below ~2 ns an element, the erf-GELU ~1.3 ns). Chunks are a few KB so they stay in L1.
 *
 * <ul>
 *   <li>{@link #exp}: Cephes' expf polynomial after range reduction by ln 2, in two loops because
 *       C2 does not vectorize a float-to-int reinterpretation of a computed value (it does of a
 *       loaded one: the second loop reads k from the rounded float's low bits); relative error
 *       ≤ 1e-7 for inputs in [−87, 88], inputs outside are clamped (so exp never returns 0 or ∞).
 *   <li>{@link #erf}: the 13/8 odd/even rational approximation of XLA and Eigen on [−4, 4] (±1
 *       beyond); the approximation error is 7e-8, evaluated in float it is within 4.3e-7 absolute.
 * </ul>
 */
final class FloatMath {
  static final float SQRT_HALF = 0.70710678118654752f;
  /** 1/√(2π). */
  static final float INV_SQRT_2PI = 0.39894228040143268f;
  /** √(2/π), GELU-tanh's constant. */
  static final float SQRT_2_OVER_PI = 0.79788456080286536f;
  static final float GELU_TANH_CUBIC = 0.044715f;

  private static final float ROUND = 12582912f; // 1.5·2²³: x + ROUND − ROUND rounds x to an integer
  /** The bits of {@link #ROUND}: those of ROUND + k are ROUND_BITS + k for |k| < 2²². */
  private static final int ROUND_BITS = 0x4B400000;
  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;

  private FloatMath() {}

  /** out[i] = e^x[i] for i in [0, n); out may be x. */
  static void exp(float[] x, float[] out, int n, Scratch scratch) {
    float[] shifted = scratch.expShifted(n);
    for (int i = 0; i < n; i++) {
      float v = Math.max(-87f, Math.min(88f, x[i]));
      float s = v * LOG2E + ROUND;
      float kf = s - ROUND;
      float r = v - kf * LN2_HI - kf * LN2_LO;
      float p = 1.9875691500e-4f;
      p = p * r + 1.3981999507e-3f;
      p = p * r + 8.3334519073e-3f;
      p = p * r + 4.1665795894e-2f;
      p = p * r + 1.6666665459e-1f;
      p = p * r + 5.0000001201e-1f;
      out[i] = p * r * r + r + 1f;
      shifted[i] = s;
    }
    for (int i = 0; i < n; i++) {
      out[i] *= Float.intBitsToFloat((Float.floatToRawIntBits(shifted[i]) - ROUND_BITS + 127) << 23);
    }
  }

  /** erf(x), see the class comment for its accuracy; inlined into the activation loops. */
  static float erf(float a) {
    float x = Math.max(-4f, Math.min(4f, a));
    float x2 = x * x;
    float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
    p = x2 * p - 2.10102402082508e-06f;
    p = x2 * p - 5.69250639462346e-05f;
    p = x2 * p - 7.34990630326855e-04f;
    p = x2 * p - 2.95459980854025e-03f;
    p = x2 * p - 1.60960333262415e-02f;
    float q = x2 * -1.45660718464996e-05f - 2.13374055278905e-04f;
    q = x2 * q - 1.68282697438203e-03f;
    q = x2 * q - 7.37332916720468e-03f;
    q = x2 * q - 1.42647390514189e-02f;
    return x * p / q;
  }

  /** Σ a[i] for i in [0, n) in float with eight independent partial sums (fast, and stabler). */
  static float sum(float[] a, int n) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    float s4 = 0;
    float s5 = 0;
    float s6 = 0;
    float s7 = 0;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      s0 += a[i];
      s1 += a[i + 1];
      s2 += a[i + 2];
      s3 += a[i + 3];
      s4 += a[i + 4];
      s5 += a[i + 5];
      s6 += a[i + 6];
      s7 += a[i + 7];
    }
    for (; i < n; i++) {
      s0 += a[i];
    }
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  }

  /** Σ a[i]·b[i] for i in [0, n) in float with four independent partial sums, as {@link #sum}. */
  static float dot(float[] a, float[] b, int n) {
    return dot(a, 0, b, 0, n);
  }

  /** {@link #dot} of a[aOff ..] and b[bOff ..]. */
  static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      s0 += a[aOff + i] * b[bOff + i];
      s1 += a[aOff + i + 1] * b[bOff + i + 1];
      s2 += a[aOff + i + 2] * b[bOff + i + 2];
      s3 += a[aOff + i + 3] * b[bOff + i + 3];
    }
    for (; i < n; i++) {
      s0 += a[aOff + i] * b[bOff + i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /**
   * Σ (a[i] − shift) into {@code moments[0]} and Σ (a[i] − shift)² into {@code moments[1]}, i in
   * [0, n), in one pass with four independent partial sums each (as {@link #dot}).
   */
  static void shiftedMoments(float[] a, float shift, int n, float[] moments) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    float q0 = 0;
    float q1 = 0;
    float q2 = 0;
    float q3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      float d0 = a[i] - shift;
      float d1 = a[i + 1] - shift;
      float d2 = a[i + 2] - shift;
      float d3 = a[i + 3] - shift;
      s0 += d0;
      s1 += d1;
      s2 += d2;
      s3 += d3;
      q0 += d0 * d0;
      q1 += d1 * d1;
      q2 += d2 * d2;
      q3 += d3 * d3;
    }
    for (; i < n; i++) {
      float d0 = a[i] - shift;
      s0 += d0;
      q0 += d0 * d0;
    }
    moments[0] = (s0 + s1) + (s2 + s3);
    moments[1] = (q0 + q1) + (q2 + q3);
  }

  /**
   * Σ a[i] into {@code sums[0]} and Σ a[i]·b[i] into {@code sums[1]}, i in [0, n), in one pass with
   * four independent partial sums each (as {@link #dot}).
   */
  static void sumAndDot(float[] a, float[] b, int n, float[] sums) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    float p0 = 0;
    float p1 = 0;
    float p2 = 0;
    float p3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      s0 += a[i];
      s1 += a[i + 1];
      s2 += a[i + 2];
      s3 += a[i + 3];
      p0 += a[i] * b[i];
      p1 += a[i + 1] * b[i + 1];
      p2 += a[i + 2] * b[i + 2];
      p3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) {
      s0 += a[i];
      p0 += a[i] * b[i];
    }
    sums[0] = (s0 + s1) + (s2 + s3);
    sums[1] = (p0 + p1) + (p2 + p3);
  }

  /**
   * max of a[i] for i in [0, n), −∞ for n = 0; a NaN is skipped unless it is first. A compare-select
   * over one accumulator: C2 vectorizes it as a max reduction (0.2 ns an element against 0.65 for
   * {@link Math#max}, whose NaN and −0 rules it cannot vectorize).
   */
  static float max(float[] a, int n) {
    float m = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      float v = a[i];
      m = v > m ? v : m;
    }
    return m;
  }
}
