package bert4j.examples.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An independent reference of the bert4keras optimizer rules, in double precision, written as
 * bert4keras writes them: a base optimizer proposes a new value for each variable and its slots, and
 * each extension, one wrapper after another, rewrites the proposal ({@code K.update(x, new_x)}) before
 * it is committed. The order is bert4j's (innermost first): base (scheduled lr) → weight decay → lazy →
 * layer adaptation → parameter-wise multipliers; accumulation around all of it; lookahead and EMA after
 * the commit. Counters count updates.
 *
 * <p>Deliberate differences from bert4keras, the same as bert4j's: lookahead's slow weights start as
 * the parameters (bert4keras starts them at zero), accumulation updates on the k-th step with the mean
 * including that step's gradient (bert4keras updates one step later), lazy rows keep their moments.
 */
final class ReferenceOptimizer {
  enum Base { ADAM, SGD, LION, ADAFACTOR }

  // ---- configuration (fluent, mirrors @Optimizer)
  Base base = Base.ADAM;
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-6;
  boolean biasCorrection = true;
  double momentum;
  boolean nesterov;
  // AdaFactor
  double epsilon1 = 1e-30;
  double epsilon2 = 1e-3;
  double clippingThreshold = 1.0;
  boolean parameterScale = true;
  List<String> excludeFromParameterScale = List.of();
  boolean relativeStep;
  boolean beta2Schedule;
  int factorMinDim = 128;
  // extensions
  double weightDecay;
  List<String> weightDecayExclude = List.of();
  List<String> layerAdaptationExclude;
  long[] scheduleSteps;
  double[] scheduleValues;
  int accumulation = 1;
  int lookaheadSteps;
  double lookaheadAlpha;
  List<String> lazyInclude;
  double emaMomentum;
  Map<String, Double> multipliers = new LinkedHashMap<>();
  double clipNorm;

  // ---- state
  final Map<String, int[]> shapes = new LinkedHashMap<>();
  final Map<String, double[]> theta = new LinkedHashMap<>();
  final Map<String, double[]> m = new LinkedHashMap<>();
  final Map<String, double[]> v = new LinkedHashMap<>();
  final Map<String, double[]> vRow = new LinkedHashMap<>();
  final Map<String, double[]> vCol = new LinkedHashMap<>();
  final Map<String, double[]> slow = new LinkedHashMap<>();
  final Map<String, double[]> ema = new LinkedHashMap<>();
  final Map<String, double[]> acc = new LinkedHashMap<>();
  long calls;
  long updates;
  double lastLr;

  void addParameter(String name, int[] shape, float[] values) {
    shapes.put(name, shape.clone());
    double[] x = new double[values.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = values[i];
    }
    theta.put(name, x);
    m.put(name, new double[x.length]);
    v.put(name, new double[x.length]);
    if (shape.length == 2) {
      vRow.put(name, new double[shape[0]]);
      vCol.put(name, new double[shape[1]]);
    }
    ema.put(name, new double[x.length]);
    acc.put(name, new double[x.length]);
  }

  /** bert4keras's piecewise_linear(t, schedule, from_zero=True). */
  double schedule(long t) {
    if (scheduleSteps == null) {
      return 1;
    }
    List<long[]> steps = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    if (scheduleSteps[0] != 0) {
      steps.add(new long[] {0});
      values.add(0.0);
    }
    for (int i = 0; i < scheduleSteps.length; i++) {
      steps.add(new long[] {scheduleSteps[i]});
      values.add(scheduleValues[i]);
    }
    double x = values.get(0);
    for (int i = 0; i < steps.size(); i++) {
      long begin = steps.get(i)[0];
      double candidate;
      if (i != steps.size() - 1) {
        double dx = values.get(i + 1) - values.get(i);
        double dt = steps.get(i + 1)[0] - begin;
        candidate = values.get(i) + dx / dt * (t - begin);
      } else {
        candidate = values.get(i);
      }
      x = t >= begin ? candidate : x;
    }
    return x;
  }

  /** One training step with these gradients (the model's float gradients). */
  void step(Map<String, float[]> floatGrads) {
    calls++;
    Map<String, double[]> g = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : floatGrads.entrySet()) {
      double[] d = new double[e.getValue().length];
      for (int i = 0; i < d.length; i++) {
        d[i] = e.getValue()[i];
      }
      g.put(e.getKey(), d);
    }
    // gradient accumulation: the outermost wrapper
    if (accumulation > 1) {
      for (String name : theta.keySet()) {
        double[] a = acc.get(name);
        double[] gi = g.get(name);
        for (int i = 0; i < a.length; i++) {
          a[i] += gi[i];
        }
      }
      if (calls % accumulation != 0) {
        return;
      }
      for (String name : theta.keySet()) {
        double[] a = acc.get(name);
        double[] mean = new double[a.length];
        for (int i = 0; i < a.length; i++) {
          mean[i] = a[i] / accumulation;
          a[i] = 0;
        }
        g.put(name, mean);
      }
    }
    updates++;
    long t = updates;
    // clipping by global norm
    if (clipNorm > 0) {
      double sum = 0;
      for (double[] gi : g.values()) {
        for (double x : gi) {
          sum += x * x;
        }
      }
      double norm = Math.sqrt(sum);
      double scale = clipNorm / Math.max(norm, clipNorm);
      for (double[] gi : g.values()) {
        for (int i = 0; i < gi.length; i++) {
          gi[i] *= scale;
        }
      }
    }
    // the scheduled learning rate (_decayed_lr): every wrapper sees it
    double baseLr = lr;
    if (base == Base.ADAFACTOR && relativeStep) {
      baseLr = Math.min(1 / Math.sqrt(t), 0.01) * (parameterScale ? 1 : 0.05);
    }
    double lrT = baseLr * schedule(t - 1);
    lastLr = lrT;
    if (lookaheadSteps > 0 && t == 1) {
      for (String name : theta.keySet()) {
        slow.put(name, theta.get(name).clone());
      }
    }
    for (String name : theta.keySet()) {
      double[] x = theta.get(name);
      double[] gi = g.get(name);
      Proposal p = baseUpdate(name, x, gi, lrT, t);
      // weight decay: new_x − lr·rate·x
      if (weightDecay > 0 && !finds(weightDecayExclude, name)) {
        for (int i = 0; i < x.length; i++) {
          p.x[i] = p.x[i] - lrT * weightDecay * x[i];
        }
      }
      // lazy: x + (new_x − x)·r, rows with an all-zero gradient keep x and their slots
      if (lazyInclude != null && finds(lazyInclude, name)) {
        int[] shape = shapes.get(name);
        int row = shape[shape.length - 1];
        for (int from = 0; from < x.length; from += row) {
          boolean any = false;
          for (int i = from; i < from + row; i++) {
            any |= gi[i] != 0;
          }
          if (!any) {
            for (int i = from; i < from + row; i++) {
              p.x[i] = x[i];
              if (p.m != null) {
                p.m[i] = m.get(name)[i];
              }
              if (p.v != null) {
                p.v[i] = v.get(name)[i];
              }
            }
          }
        }
      }
      // layer adaptation: dx = new_x − x; ratio = ‖x‖ / ‖dx / lr‖; x + dx·ratio
      if (layerAdaptationExclude != null && !finds(layerAdaptationExclude, name)) {
        double lrFloor = Math.max(lrT, 1e-7);
        double xNorm = 0;
        double dNorm = 0;
        for (int i = 0; i < x.length; i++) {
          xNorm += x[i] * x[i];
          double d = (p.x[i] - x[i]) / lrFloor;
          dNorm += d * d;
        }
        xNorm = Math.sqrt(xNorm);
        dNorm = Math.sqrt(dNorm);
        double ratio = xNorm > 0 ? (dNorm > 0 ? xNorm / dNorm : 1) : 1;
        for (int i = 0; i < x.length; i++) {
          p.x[i] = x[i] + (p.x[i] - x[i]) * ratio;
        }
      }
      // parameter-wise multipliers: substring match, product
      double multiplier = 1;
      for (Map.Entry<String, Double> e : multipliers.entrySet()) {
        if (name.contains(e.getKey())) {
          multiplier *= e.getValue();
        }
      }
      if (multiplier != 1) {
        for (int i = 0; i < x.length; i++) {
          p.x[i] = x[i] + (p.x[i] - x[i]) * multiplier;
        }
      }
      // commit
      theta.put(name, p.x);
      if (p.m != null) {
        m.put(name, p.m);
      }
      if (p.v != null) {
        v.put(name, p.v);
      }
    }
    // lookahead, after the update
    if (lookaheadSteps > 0 && t % lookaheadSteps == 0) {
      for (String name : theta.keySet()) {
        double[] x = theta.get(name);
        double[] q = slow.get(name);
        for (int i = 0; i < x.length; i++) {
          q[i] = q[i] + lookaheadAlpha * (x[i] - q[i]);
          x[i] = q[i];
        }
      }
    }
    // moving average, last
    if (emaMomentum > 0) {
      for (String name : theta.keySet()) {
        double[] x = theta.get(name);
        double[] e = ema.get(name);
        for (int i = 0; i < x.length; i++) {
          e[i] = emaMomentum * e[i] + (1 - emaMomentum) * x[i];
        }
      }
    }
  }

  /** The bias-corrected moving average, as bert4keras's apply_ema_weights. */
  double[] emaWeights(String name) {
    double scale = 1 - Math.pow(emaMomentum, updates);
    double[] e = ema.get(name);
    double[] out = new double[e.length];
    for (int i = 0; i < e.length; i++) {
      out[i] = e[i] / scale;
    }
    return out;
  }

  /** A base optimizer's proposal for one variable: its new value and new slots. */
  private static final class Proposal {
    double[] x;
    double[] m;
    double[] v;
  }

  private Proposal baseUpdate(String name, double[] x, double[] g, double lrT, long t) {
    Proposal p = new Proposal();
    int n = x.length;
    p.x = new double[n];
    double[] m0 = m.get(name);
    double[] v0 = v.get(name);
    switch (base) {
      case ADAM -> {
        p.m = new double[n];
        p.v = new double[n];
        double b1t = Math.pow(beta1, t);
        double b2t = Math.pow(beta2, t);
        for (int i = 0; i < n; i++) {
          p.m[i] = beta1 * m0[i] + (1 - beta1) * g[i];
          p.v[i] = beta2 * v0[i] + (1 - beta2) * g[i] * g[i];
          double mHat = biasCorrection ? p.m[i] / (1 - b1t) : p.m[i];
          double vHat = biasCorrection ? p.v[i] / (1 - b2t) : p.v[i];
          p.x[i] = x[i] - lrT * mHat / (Math.sqrt(vHat) + epsilon);
        }
      }
      case SGD -> {
        if (momentum == 0) {
          for (int i = 0; i < n; i++) {
            p.x[i] = x[i] - lrT * g[i];
          }
        } else {
          p.m = new double[n];
          for (int i = 0; i < n; i++) {
            p.m[i] = momentum * m0[i] - lrT * g[i];
            p.x[i] = nesterov ? x[i] + momentum * p.m[i] - lrT * g[i] : x[i] + p.m[i];
          }
        }
      }
      case LION -> {
        p.m = new double[n];
        for (int i = 0; i < n; i++) {
          double u = Math.signum(beta1 * m0[i] + (1 - beta1) * g[i]);
          p.x[i] = x[i] - lrT * u;
          p.m[i] = beta2 * m0[i] + (1 - beta2) * g[i];
        }
      }
      case ADAFACTOR -> adafactor(name, x, g, lrT, t, p);
    }
    return p;
  }

  private void adafactor(String name, double[] x, double[] g, double lrT, long t, Proposal p) {
    int n = x.length;
    double b2 = beta2Schedule ? 1 - Math.pow(t, -0.8) : beta2;
    double[] g2 = new double[n];
    for (int i = 0; i < n; i++) {
      g2[i] = g[i] * g[i] + epsilon1;
    }
    int[] shape = shapes.get(name);
    double[] vt = new double[n];
    boolean factored = shape.length == 2 && Math.min(shape[0], shape[1]) >= factorMinDim;
    if (!factored) {
      p.v = new double[n];
      double[] v0 = v.get(name);
      for (int i = 0; i < n; i++) {
        p.v[i] = b2 * v0[i] + (1 - b2) * g2[i];
        vt[i] = p.v[i];
      }
    } else {
      int rows = shape[0];
      int cols = shape[1];
      // numpy argpartition(-2): indices[-1] is the largest axis (cols on a tie), indices[-2] the other
      int axis1 = cols >= rows ? 1 : 0;
      double[] meanOverCols = new double[rows];
      double[] meanOverRows = new double[cols];
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
          meanOverCols[i] += g2[i * cols + j] / cols;
          meanOverRows[j] += g2[i * cols + j] / rows;
        }
      }
      double[] rowStat = vRow.get(name).clone();
      double[] colStat = vCol.get(name).clone();
      for (int i = 0; i < rows; i++) {
        rowStat[i] = b2 * rowStat[i] + (1 - b2) * meanOverCols[i];
      }
      for (int j = 0; j < cols; j++) {
        colStat[j] = b2 * colStat[j] + (1 - b2) * meanOverRows[j];
      }
      vRow.put(name, rowStat);
      vCol.put(name, colStat);
      // vr: the statistic over the largest axis (axis1); v = vr·vc / mean(vr over axis2)
      double[] vr = axis1 == 1 ? rowStat : colStat;
      double den = 0;
      for (double value : vr) {
        den += value / vr.length;
      }
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
          vt[i * cols + j] = rowStat[i] * colStat[j] / den;
        }
      }
    }
    double[] u = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      u[i] = g[i] / Math.sqrt(vt[i] + epsilon1);
      sum += u[i] * u[i];
    }
    if (clippingThreshold > 0) {
      double rms = Math.sqrt(sum / n);
      double div = Math.max(1, rms / clippingThreshold);
      for (int i = 0; i < n; i++) {
        u[i] /= div;
      }
    }
    if (beta1 > 0) {
      p.m = new double[n];
      double[] m0 = m.get(name);
      for (int i = 0; i < n; i++) {
        p.m[i] = beta1 * m0[i] + (1 - beta1) * u[i];
        u[i] = p.m[i];
      }
    }
    if (parameterScale && !finds(excludeFromParameterScale, name)) {
      double s = 0;
      for (double xi : x) {
        s += xi * xi;
      }
      double scale = Math.max(Math.sqrt(s / n), epsilon2);
      for (int i = 0; i < n; i++) {
        u[i] *= scale;
      }
    }
    for (int i = 0; i < n; i++) {
      p.x[i] = x[i] - lrT * u[i];
    }
  }

  /** bert4keras's string_matching: re.search of any pattern. */
  static boolean finds(List<String> patterns, String name) {
    for (String pattern : patterns) {
      if (Pattern.compile(pattern).matcher(name).find()) {
        return true;
      }
    }
    return false;
  }
}
