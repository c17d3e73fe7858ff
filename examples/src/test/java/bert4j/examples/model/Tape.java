package bert4j.examples.model;

import java.util.ArrayList;
import java.util.List;

/**
 * A tiny reverse-mode automatic differentiation over double tensors, for the reference model. A
 * {@link Node} holds a value, a shape and, after {@link #backward}, the gradient of the final scalar
 * with respect to it. Every op records a closure that adds its inputs' gradients from its output's.
 * Written in plain loops, independent of the runtime's kernels; each op's backward is checked against
 * central finite differences in {@code TapeOpsTest}.
 */
final class Tape {

  /** One tensor of the computation: row-major values, their gradient, and how to back-propagate. */
  static final class Node {
    final double[] value;
    final double[] grad;
    final int[] shape;
    Runnable backward;

    Node(double[] value, int... shape) {
      int n = 1;
      for (int d : shape) {
        n *= d;
      }
      if (n != value.length) {
        throw new IllegalArgumentException("shape holds " + n + " values, got " + value.length);
      }
      this.value = value;
      this.grad = new double[value.length];
      this.shape = shape.clone();
    }

    int rows() {
      return shape.length == 1 ? 1 : value.length / cols();
    }

    int cols() {
      return shape[shape.length - 1];
    }
  }

  /** Activations the reference knows. */
  enum Act {
    GELU, GELU_TANH, RELU, SWISH, TANH;

    double apply(double x) {
      return switch (this) {
        case GELU -> x * Phi(x);
        case GELU_TANH -> 0.5 * x * (1 + Math.tanh(GELU_TANH_C * (x + 0.044715 * x * x * x)));
        case RELU -> Math.max(0, x);
        case SWISH -> x / (1 + Math.exp(-x));
        case TANH -> Math.tanh(x);
      };
    }

    double derivative(double x) {
      return switch (this) {
        case GELU -> Phi(x) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
        case GELU_TANH -> {
          double u = GELU_TANH_C * (x + 0.044715 * x * x * x);
          double t = Math.tanh(u);
          double du = GELU_TANH_C * (1 + 3 * 0.044715 * x * x);
          yield 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du;
        }
        case RELU -> x > 0 ? 1 : 0;
        case SWISH -> {
          double s = 1 / (1 + Math.exp(-x));
          yield s + x * s * (1 - s);
        }
        case TANH -> {
          double t = Math.tanh(x);
          yield 1 - t * t;
        }
      };
    }
  }

  private static final double GELU_TANH_C = Math.sqrt(2 / Math.PI);

  private final List<Node> nodes = new ArrayList<>();

  /** A leaf: an input or a parameter (its values are used, not copied). */
  Node leaf(double[] value, int... shape) {
    Node n = new Node(value, shape);
    nodes.add(n);
    return n;
  }

  private Node result(double[] value, int[] shape, Runnable backward) {
    Node n = new Node(value, shape);
    n.backward = backward;
    nodes.add(n);
    return n;
  }

  /** Back-propagates from the scalar {@code loss}: every node's grad becomes d loss / d node. */
  void backward(Node loss) {
    if (loss.value.length != 1) {
      throw new IllegalArgumentException("backward from a scalar");
    }
    for (Node n : nodes) {
      java.util.Arrays.fill(n.grad, 0);
    }
    loss.grad[0] = 1;
    for (int i = nodes.size() - 1; i >= 0; i--) {
      Node n = nodes.get(i);
      if (n.backward != null) {
        n.backward.run();
      }
    }
  }

  /** y = x·wᵀ: x [n, in], w [out, in] (the Hugging Face Linear layout), y [n, out]. */
  Node matmulT(Node x, Node w) {
    int n = x.rows();
    int in = x.cols();
    int out = w.shape[0];
    if (w.shape.length != 2 || w.shape[1] != in) {
      throw new IllegalArgumentException("matmulT: x has " + in + " columns, w is "
          + java.util.Arrays.toString(w.shape));
    }
    double[] y = new double[n * out];
    for (int r = 0; r < n; r++) {
      for (int o = 0; o < out; o++) {
        double s = 0;
        for (int i = 0; i < in; i++) {
          s += x.value[r * in + i] * w.value[o * in + i];
        }
        y[r * out + o] = s;
      }
    }
    Node[] self = new Node[1];
    self[0] = result(y, new int[] {n, out}, () -> {
      double[] dy = self[0].grad;
      for (int r = 0; r < n; r++) {
        for (int o = 0; o < out; o++) {
          double d = dy[r * out + o];
          if (d == 0) {
            continue;
          }
          for (int i = 0; i < in; i++) {
            x.grad[r * in + i] += d * w.value[o * in + i];
            w.grad[o * in + i] += d * x.value[r * in + i];
          }
        }
      }
    });
    return self[0];
  }

  /** y[r][c] = x[r][c] + b[c]. */
  Node addBias(Node x, Node b) {
    int n = x.rows();
    int d = x.cols();
    if (b.value.length != d) {
      throw new IllegalArgumentException("addBias: " + d + " columns, bias of " + b.value.length);
    }
    double[] y = new double[n * d];
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < d; c++) {
        y[r * d + c] = x.value[r * d + c] + b.value[c];
      }
    }
    Node[] self = new Node[1];
    self[0] = result(y, x.shape, () -> {
      double[] dy = self[0].grad;
      for (int r = 0; r < n; r++) {
        for (int c = 0; c < d; c++) {
          x.grad[r * d + c] += dy[r * d + c];
          b.grad[c] += dy[r * d + c];
        }
      }
    });
    return self[0];
  }

  /** x·wᵀ + b. */
  Node linear(Node x, Node w, Node b) {
    return addBias(matmulT(x, w), b);
  }

  /** Elementwise a + b (same size). */
  Node add(Node a, Node b) {
    if (a.value.length != b.value.length) {
      throw new IllegalArgumentException("add: sizes " + a.value.length + " and " + b.value.length);
    }
    double[] y = new double[a.value.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = a.value[i] + b.value[i];
    }
    Node[] self = new Node[1];
    self[0] = result(y, a.shape, () -> {
      double[] dy = self[0].grad;
      for (int i = 0; i < dy.length; i++) {
        a.grad[i] += dy[i];
        b.grad[i] += dy[i];
      }
    });
    return self[0];
  }

  /** Elementwise a ⊙ b (same size): the per-sequence γ of a conditional layer norm. */
  Node mul(Node a, Node b) {
    if (a.value.length != b.value.length) {
      throw new IllegalArgumentException("mul: sizes " + a.value.length + " and " + b.value.length);
    }
    double[] y = new double[a.value.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = a.value[i] * b.value[i];
    }
    Node[] self = new Node[1];
    self[0] = result(y, a.shape, () -> {
      double[] dy = self[0].grad;
      for (int i = 0; i < dy.length; i++) {
        a.grad[i] += dy[i] * b.value[i];
        b.grad[i] += dy[i] * a.value[i];
      }
    });
    return self[0];
  }

  /** Elementwise activation. */
  Node act(Node x, Act act) {
    double[] y = new double[x.value.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = act.apply(x.value[i]);
    }
    Node[] self = new Node[1];
    self[0] = result(y, x.shape, () -> {
      double[] dy = self[0].grad;
      for (int i = 0; i < dy.length; i++) {
        x.grad[i] += dy[i] * act.derivative(x.value[i]);
      }
    });
    return self[0];
  }

  /** Layer norm over the last axis: γ ⊙ (x − mean)/√(var + eps) + β, biased variance. */
  Node layerNorm(Node x, Node gamma, Node beta, double eps) {
    int n = x.rows();
    int d = x.cols();
    double[] y = new double[n * d];
    double[] xhat = new double[n * d];
    double[] rstd = new double[n];
    for (int r = 0; r < n; r++) {
      double mean = 0;
      for (int c = 0; c < d; c++) {
        mean += x.value[r * d + c];
      }
      mean /= d;
      double var = 0;
      for (int c = 0; c < d; c++) {
        double t = x.value[r * d + c] - mean;
        var += t * t;
      }
      var /= d;
      rstd[r] = 1 / Math.sqrt(var + eps);
      for (int c = 0; c < d; c++) {
        xhat[r * d + c] = (x.value[r * d + c] - mean) * rstd[r];
        y[r * d + c] = gamma.value[c] * xhat[r * d + c] + beta.value[c];
      }
    }
    Node[] self = new Node[1];
    self[0] = result(y, x.shape, () -> {
      double[] dy = self[0].grad;
      for (int r = 0; r < n; r++) {
        double sumG = 0;
        double sumGx = 0;
        for (int c = 0; c < d; c++) {
          double g = dy[r * d + c] * gamma.value[c];
          sumG += g;
          sumGx += g * xhat[r * d + c];
          gamma.grad[c] += dy[r * d + c] * xhat[r * d + c];
          beta.grad[c] += dy[r * d + c];
        }
        for (int c = 0; c < d; c++) {
          double g = dy[r * d + c] * gamma.value[c];
          x.grad[r * d + c] += rstd[r] * (g - sumG / d - xhat[r * d + c] * sumGx / d);
        }
      }
    });
    return self[0];
  }

  /**
   * Conditional layer norm (bert4keras's conditional LM): the rows of x [B·S, d] of sequence b are
   * normalised with their own γ_b = γ + W_γ·c_b and β_b = β + W_β·c_b, the condition c [B, C] and
   * W_γ, W_β [d, C]: γ_b ⊙ (x − mean)/√(var + eps) + β_b. Composed of checked ops (a layer norm
   * with γ = 1 and β = 0, linear, gather, mul, add), so it needs no backward of its own.
   */
  Node conditionalLayerNorm(Node x, Node gamma, Node beta, Node gammaDense, Node betaDense,
      Node condition, double eps) {
    int d = x.cols();
    int rows = x.rows();
    int batch = condition.rows();
    if (rows % batch != 0) {
      throw new IllegalArgumentException("conditionalLayerNorm: " + rows + " rows for " + batch
          + " conditions");
    }
    double[] ones = new double[d];
    java.util.Arrays.fill(ones, 1);
    Node normalized = layerNorm(x, leaf(ones, d), leaf(new double[d], d), eps);
    int[] sequenceOf = new int[rows];
    for (int r = 0; r < rows; r++) {
      sequenceOf[r] = r / (rows / batch);
    }
    Node gammas = gather(linear(condition, gammaDense, gamma), sequenceOf);
    Node betas = gather(linear(condition, betaDense, beta), sequenceOf);
    return add(mul(normalized, gammas), betas);
  }

  /**
   * RoFormer-V2's norm without parameters, over the last axis: x/√(mean(x²) + eps) (no centring, no
   * γ, no β).
   */
  Node rmsNorm(Node x, double eps) {
    int n = x.rows();
    int d = x.cols();
    double[] y = new double[n * d];
    double[] rstd = new double[n];
    for (int r = 0; r < n; r++) {
      double meanSquare = 0;
      for (int c = 0; c < d; c++) {
        meanSquare += x.value[r * d + c] * x.value[r * d + c];
      }
      rstd[r] = 1 / Math.sqrt(meanSquare / d + eps);
      for (int c = 0; c < d; c++) {
        y[r * d + c] = x.value[r * d + c] * rstd[r];
      }
    }
    Node[] self = new Node[1];
    self[0] = result(y, x.shape, () -> {
      double[] dy = self[0].grad;
      for (int r = 0; r < n; r++) {
        double dot = 0;
        for (int c = 0; c < d; c++) {
          dot += dy[r * d + c] * y[r * d + c];
        }
        for (int c = 0; c < d; c++) {
          x.grad[r * d + c] += rstd[r] * (dy[r * d + c] - y[r * d + c] * dot / d);
        }
      }
    });
    return self[0];
  }

  /**
   * Rotary position embedding (RoFormer) on x [B·S, heads·size]: in each head, the pair
   * (x[2i], x[2i+1]) of the row at position p (its index in the sequence) is turned by the angle
   * p·10000^(−2i/size): (x[2i]·cos − x[2i+1]·sin, x[2i+1]·cos + x[2i]·sin).
   */
  Node rotary(Node x, int seq, int heads, int size) {
    int n = x.rows();
    int w = heads * size;
    if (x.cols() != w || size % 2 != 0) {
      throw new IllegalArgumentException("rotary: " + x.cols() + " columns, " + heads + " heads of "
          + size);
    }
    double[] cos = new double[seq * size / 2];
    double[] sin = new double[seq * size / 2];
    for (int p = 0; p < seq; p++) {
      for (int i = 0; i < size / 2; i++) {
        double angle = p * Math.pow(10000, -2.0 * i / size);
        cos[p * size / 2 + i] = Math.cos(angle);
        sin[p * size / 2 + i] = Math.sin(angle);
      }
    }
    double[] y = new double[n * w];
    turn(x.value, y, n, seq, heads, size, cos, sin, 1);
    Node[] self = new Node[1];
    self[0] = result(y, x.shape, () -> {
      double[] dx = new double[n * w];
      turn(self[0].grad, dx, n, seq, heads, size, cos, sin, -1);
      for (int i = 0; i < dx.length; i++) {
        x.grad[i] += dx[i];
      }
    });
    return self[0];
  }

  /** The rotation of {@link #rotary} (direction 1), or its inverse, the transpose (direction −1). */
  private static void turn(double[] x, double[] y, int n, int seq, int heads, int size, double[] cos,
      double[] sin, int direction) {
    int w = heads * size;
    for (int r = 0; r < n; r++) {
      int p = r % seq;
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < size / 2; i++) {
          int e = r * w + h * size + 2 * i;
          double c = cos[p * size / 2 + i];
          double s = direction * sin[p * size / 2 + i];
          y[e] = x[e] * c - x[e + 1] * s;
          y[e + 1] = x[e + 1] * c + x[e] * s;
        }
      }
    }
  }

  /** The columns [from, from + width) of x [n, d]: one part of a fused projection (GPT's c_attn). */
  Node columns(Node x, int from, int width) {
    int n = x.rows();
    int d = x.cols();
    if (from < 0 || from + width > d) {
      throw new IllegalArgumentException("columns [" + from + ", " + (from + width) + ") of " + d);
    }
    double[] y = new double[n * width];
    for (int r = 0; r < n; r++) {
      System.arraycopy(x.value, r * d + from, y, r * width, width);
    }
    Node[] self = new Node[1];
    self[0] = result(y, new int[] {n, width}, () -> {
      double[] dy = self[0].grad;
      for (int r = 0; r < n; r++) {
        for (int c = 0; c < width; c++) {
          x.grad[r * d + from + c] += dy[r * width + c];
        }
      }
    });
    return self[0];
  }

  /** y[r] = table[ids[r]]: table [V, d], y [ids.length, d]. */
  Node gather(Node table, int[] ids) {
    int d = table.cols();
    double[] y = new double[ids.length * d];
    for (int r = 0; r < ids.length; r++) {
      System.arraycopy(table.value, ids[r] * d, y, r * d, d);
    }
    Node[] self = new Node[1];
    self[0] = result(y, new int[] {ids.length, d}, () -> {
      double[] dy = self[0].grad;
      for (int r = 0; r < ids.length; r++) {
        for (int c = 0; c < d; c++) {
          table.grad[ids[r] * d + c] += dy[r * d + c];
        }
      }
    });
    return self[0];
  }

  /** The rows {@code rows} of x [n, d]: gather on an activation. */
  Node selectRows(Node x, int[] rows) {
    return gather(x, rows);
  }

  /**
   * Hierarchical positions (bert4keras's extension of a learned table E [n, d] past n rows):
   * position p reads α·E′[p / n] + (1 − α)·E′[p mod n] with E′ = (E − α·E[0])/(1 − α), which is
   * E[p] itself below n. Composed of checked ops (gather, add, scaleBlocks), so it needs no
   * backward of its own.
   */
  Node hierarchicalPositions(Node table, int[] positions, double alpha) {
    int n = table.rows();
    Node prime = scale(add(table, scale(gather(table, new int[n]), -alpha)), 1 / (1 - alpha));
    int[] high = new int[positions.length];
    int[] low = new int[positions.length];
    for (int r = 0; r < positions.length; r++) {
      high[r] = positions[r] / n;
      low[r] = positions[r] % n;
    }
    return add(scale(gather(prime, high), alpha), scale(gather(prime, low), 1 - alpha));
  }

  Node scale(Node x, double factor) {
    return scaleBlocks(x, new double[] {factor});
  }

  /**
   * Attention logits: q [B·S, H·dk], k [B·S, H·dk] → l [B, H, S, S], l[b,h,i,j] = scale · q[b,i,h]·k[b,j,h].
   */
  Node attentionLogits(Node q, Node k, int batch, int seq, int heads, int dk, double scale) {
    int w = heads * dk;
    double[] l = new double[batch * heads * seq * seq];
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < seq; i++) {
          for (int j = 0; j < seq; j++) {
            double s = 0;
            for (int c = 0; c < dk; c++) {
              s += q.value[(b * seq + i) * w + h * dk + c] * k.value[(b * seq + j) * w + h * dk + c];
            }
            l[((b * heads + h) * seq + i) * seq + j] = s * scale;
          }
        }
      }
    }
    Node[] self = new Node[1];
    self[0] = result(l, new int[] {batch, heads, seq, seq}, () -> {
      double[] dl = self[0].grad;
      for (int b = 0; b < batch; b++) {
        for (int h = 0; h < heads; h++) {
          for (int i = 0; i < seq; i++) {
            for (int j = 0; j < seq; j++) {
              double d = dl[((b * heads + h) * seq + i) * seq + j] * scale;
              for (int c = 0; c < dk; c++) {
                q.grad[(b * seq + i) * w + h * dk + c] += d * k.value[(b * seq + j) * w + h * dk + c];
                k.grad[(b * seq + j) * w + h * dk + c] += d * q.value[(b * seq + i) * w + h * dk + c];
              }
            }
          }
        }
      }
    });
    return self[0];
  }

  /**
   * T5's relative bias: l [B, H, S, S] + table[bucket[i][j]][h] at every (b, h, i, j), table
   * [buckets, H].
   */
  Node addRelativeBias(Node l, Node table, int[][] bucket, int batch, int heads, int seq) {
    double[] y = l.value.clone();
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < seq; i++) {
          for (int j = 0; j < seq; j++) {
            y[((b * heads + h) * seq + i) * seq + j] += table.value[bucket[i][j] * heads + h];
          }
        }
      }
    }
    Node[] self = new Node[1];
    self[0] = result(y, l.shape, () -> {
      double[] dy = self[0].grad;
      for (int b = 0; b < batch; b++) {
        for (int h = 0; h < heads; h++) {
          for (int i = 0; i < seq; i++) {
            for (int j = 0; j < seq; j++) {
              double d = dy[((b * heads + h) * seq + i) * seq + j];
              l.grad[((b * heads + h) * seq + i) * seq + j] += d;
              table.grad[bucket[i][j] * heads + h] += d;
            }
          }
        }
      }
    });
    return self[0];
  }

  /**
   * Softmax over the last axis of l [B, H, S, S] where {@code allowed[b][i][j]}; disallowed keys get
   * probability 0; a row with no allowed key is uniform over all keys (and passes no gradient).
   */
  Node maskedSoftmax(Node l, boolean[][][] allowed, int batch, int heads, int seq) {
    double[] p = new double[l.value.length];
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < seq; i++) {
          int row = ((b * heads + h) * seq + i) * seq;
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < seq; j++) {
            if (allowed[b][i][j]) {
              max = Math.max(max, l.value[row + j]);
            }
          }
          if (max == Double.NEGATIVE_INFINITY) {
            for (int j = 0; j < seq; j++) {
              p[row + j] = 1.0 / seq;
            }
            continue;
          }
          double sum = 0;
          for (int j = 0; j < seq; j++) {
            p[row + j] = allowed[b][i][j] ? Math.exp(l.value[row + j] - max) : 0;
            sum += p[row + j];
          }
          for (int j = 0; j < seq; j++) {
            p[row + j] /= sum;
          }
        }
      }
    }
    Node[] self = new Node[1];
    self[0] = result(p, l.shape, () -> {
      double[] dp = self[0].grad;
      for (int b = 0; b < batch; b++) {
        for (int h = 0; h < heads; h++) {
          for (int i = 0; i < seq; i++) {
            int row = ((b * heads + h) * seq + i) * seq;
            boolean any = false;
            for (int j = 0; j < seq; j++) {
              any |= allowed[b][i][j];
            }
            if (!any) {
              continue;
            }
            double dot = 0;
            for (int j = 0; j < seq; j++) {
              dot += p[row + j] * dp[row + j];
            }
            for (int j = 0; j < seq; j++) {
              l.grad[row + j] += p[row + j] * (dp[row + j] - dot);
            }
          }
        }
      }
    });
    return self[0];
  }

  /** Attention context: p [B, H, S, S], v [B·S, H·dv] → ctx [B·S, H·dv], ctx[b,i,h] = Σ_j p[b,h,i,j] v[b,j,h]. */
  Node attentionContext(Node p, Node v, int batch, int seq, int heads, int dv) {
    int w = heads * dv;
    double[] ctx = new double[batch * seq * w];
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < seq; i++) {
          for (int j = 0; j < seq; j++) {
            double pij = p.value[((b * heads + h) * seq + i) * seq + j];
            for (int c = 0; c < dv; c++) {
              ctx[(b * seq + i) * w + h * dv + c] += pij * v.value[(b * seq + j) * w + h * dv + c];
            }
          }
        }
      }
    }
    Node[] self = new Node[1];
    self[0] = result(ctx, new int[] {batch * seq, w}, () -> {
      double[] dctx = self[0].grad;
      for (int b = 0; b < batch; b++) {
        for (int h = 0; h < heads; h++) {
          for (int i = 0; i < seq; i++) {
            for (int j = 0; j < seq; j++) {
              int pi = ((b * heads + h) * seq + i) * seq + j;
              double s = 0;
              for (int c = 0; c < dv; c++) {
                double d = dctx[(b * seq + i) * w + h * dv + c];
                s += d * v.value[(b * seq + j) * w + h * dv + c];
                v.grad[(b * seq + j) * w + h * dv + c] += p.value[pi] * d;
              }
              p.grad[pi] += s;
            }
          }
        }
      }
    });
    return self[0];
  }

  /**
   * NEZHA's fixed table of relative positions, [2m + 1, width]: row r, column pair c holds
   * (sin(r·10000^(−2c/width)), cos(r·10000^(−2c/width))). Query i reads row
   * {@link #relativeRow}(i, j, m) for key j.
   */
  static double[] relativeTable(int maxRelative, int width) {
    if (width % 2 != 0) {
      throw new IllegalArgumentException("relative table: odd width " + width);
    }
    double[] table = new double[(2 * maxRelative + 1) * width];
    for (int r = 0; r <= 2 * maxRelative; r++) {
      for (int c = 0; c < width / 2; c++) {
        double angle = r * Math.pow(10000, -2.0 * c / width);
        table[r * width + 2 * c] = Math.sin(angle);
        table[r * width + 2 * c + 1] = Math.cos(angle);
      }
    }
    return table;
  }

  /** The table row of query i and key j: clip(j − i, −m, m) + m. */
  static int relativeRow(int i, int j, int maxRelative) {
    return Math.max(-maxRelative, Math.min(maxRelative, j - i)) + maxRelative;
  }

  /**
   * NEZHA's relative term of the attention logits: q [B·S, H·dk] → l [B, H, S, S],
   * l[b,h,i,j] = scale · q[b,i,h]·R[relativeRow(i, j)] with R the table of width dk (the same for
   * every head; a constant, so only q gets a gradient).
   */
  Node relativeLogits(Node q, int batch, int seq, int heads, int dk, int maxRelative, double scale) {
    int w = heads * dk;
    double[] table = relativeTable(maxRelative, dk);
    double[] l = new double[batch * heads * seq * seq];
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < seq; i++) {
          for (int j = 0; j < seq; j++) {
            int r = relativeRow(i, j, maxRelative) * dk;
            double s = 0;
            for (int c = 0; c < dk; c++) {
              s += q.value[(b * seq + i) * w + h * dk + c] * table[r + c];
            }
            l[((b * heads + h) * seq + i) * seq + j] = s * scale;
          }
        }
      }
    }
    Node[] self = new Node[1];
    self[0] = result(l, new int[] {batch, heads, seq, seq}, () -> {
      double[] dl = self[0].grad;
      for (int b = 0; b < batch; b++) {
        for (int h = 0; h < heads; h++) {
          for (int i = 0; i < seq; i++) {
            for (int j = 0; j < seq; j++) {
              int r = relativeRow(i, j, maxRelative) * dk;
              double d = dl[((b * heads + h) * seq + i) * seq + j] * scale;
              for (int c = 0; c < dk; c++) {
                q.grad[(b * seq + i) * w + h * dk + c] += d * table[r + c];
              }
            }
          }
        }
      }
    });
    return self[0];
  }

  /**
   * NEZHA's relative term of the attention output: p [B, H, S, S] → [B·S, H·dv],
   * ctx[b,i,h] = Σ_j p[b,h,i,j]·R[relativeRow(i, j)] with R the table of width dv.
   */
  Node relativeContext(Node p, int batch, int seq, int heads, int dv, int maxRelative) {
    int w = heads * dv;
    double[] table = relativeTable(maxRelative, dv);
    double[] ctx = new double[batch * seq * w];
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < seq; i++) {
          for (int j = 0; j < seq; j++) {
            int r = relativeRow(i, j, maxRelative) * dv;
            double pij = p.value[((b * heads + h) * seq + i) * seq + j];
            for (int c = 0; c < dv; c++) {
              ctx[(b * seq + i) * w + h * dv + c] += pij * table[r + c];
            }
          }
        }
      }
    }
    Node[] self = new Node[1];
    self[0] = result(ctx, new int[] {batch * seq, w}, () -> {
      double[] dctx = self[0].grad;
      for (int b = 0; b < batch; b++) {
        for (int h = 0; h < heads; h++) {
          for (int i = 0; i < seq; i++) {
            for (int j = 0; j < seq; j++) {
              int r = relativeRow(i, j, maxRelative) * dv;
              double s = 0;
              for (int c = 0; c < dv; c++) {
                s += dctx[(b * seq + i) * w + h * dv + c] * table[r + c];
              }
              p.grad[((b * heads + h) * seq + i) * seq + j] += s;
            }
          }
        }
      }
    });
    return self[0];
  }

  /**
   * Talking heads: the heads of x [B, H, S, S] mixed by w [H, H], y[b,g,i,j] = Σ_h w[g,h]·x[b,h,i,j].
   */
  Node mixHeads(Node x, Node w, int batch, int heads, int seq) {
    if (w.value.length != heads * heads) {
      throw new IllegalArgumentException("mixHeads: " + heads + " heads, matrix of "
          + w.value.length);
    }
    int plane = seq * seq;
    double[] y = new double[x.value.length];
    for (int b = 0; b < batch; b++) {
      for (int g = 0; g < heads; g++) {
        for (int h = 0; h < heads; h++) {
          double m = w.value[g * heads + h];
          for (int e = 0; e < plane; e++) {
            y[(b * heads + g) * plane + e] += m * x.value[(b * heads + h) * plane + e];
          }
        }
      }
    }
    Node[] self = new Node[1];
    self[0] = result(y, x.shape, () -> {
      double[] dy = self[0].grad;
      for (int b = 0; b < batch; b++) {
        for (int g = 0; g < heads; g++) {
          for (int h = 0; h < heads; h++) {
            double m = w.value[g * heads + h];
            double s = 0;
            for (int e = 0; e < plane; e++) {
              double d = dy[(b * heads + g) * plane + e];
              x.grad[(b * heads + h) * plane + e] += m * d;
              s += d * x.value[(b * heads + h) * plane + e];
            }
            w.grad[g * heads + h] += s;
          }
        }
      }
    });
    return self[0];
  }

  /**
   * y = factors[b]·x in the b-th of {@code factors.length} equal blocks of x (one block per
   * sequence: softmax plus's length scale).
   */
  Node scaleBlocks(Node x, double[] factors) {
    if (x.value.length % factors.length != 0) {
      throw new IllegalArgumentException("scaleBlocks: " + x.value.length + " values in "
          + factors.length + " blocks");
    }
    int block = x.value.length / factors.length;
    double[] y = new double[x.value.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = factors[i / block] * x.value[i];
    }
    Node[] self = new Node[1];
    self[0] = result(y, x.shape, () -> {
      double[] dy = self[0].grad;
      for (int i = 0; i < dy.length; i++) {
        x.grad[i] += factors[i / block] * dy[i];
      }
    });
    return self[0];
  }

  /**
   * The squared-ReLU attention of l [B, H, S, S]: relu(l)²/keys[b] where {@code allowed[b][i][j]},
   * 0 elsewhere; keys[b] is the number of non-padding keys of sequence b (all 0 when it is 0).
   */
  Node maskedSquaredRelu(Node l, boolean[][][] allowed, int[] keys, int batch, int heads, int seq) {
    double[] a = new double[l.value.length];
    double[] slope = new double[l.value.length];
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < seq; i++) {
          int row = ((b * heads + h) * seq + i) * seq;
          for (int j = 0; j < seq; j++) {
            double r = Math.max(0, l.value[row + j]);
            if (allowed[b][i][j] && keys[b] > 0) {
              a[row + j] = r * r / keys[b];
              slope[row + j] = 2 * r / keys[b];
            }
          }
        }
      }
    }
    Node[] self = new Node[1];
    self[0] = result(a, l.shape, () -> {
      double[] da = self[0].grad;
      for (int e = 0; e < da.length; e++) {
        l.grad[e] += slope[e] * da[e];
      }
    });
    return self[0];
  }

  /**
   * Scalar: scale · Σ_{r: targets[r] ≥ 0} −log softmax(logits[r])[targets[r]]; logits [n, C].
   */
  Node crossEntropy(Node logits, int[] targets, double scale) {
    int n = logits.rows();
    int classes = logits.cols();
    double[] softmax = new double[n * classes];
    double loss = 0;
    for (int r = 0; r < n; r++) {
      if (targets[r] < 0) {
        continue;
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        max = Math.max(max, logits.value[r * classes + c]);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += Math.exp(logits.value[r * classes + c] - max);
      }
      for (int c = 0; c < classes; c++) {
        softmax[r * classes + c] = Math.exp(logits.value[r * classes + c] - max) / sum;
      }
      loss += -(logits.value[r * classes + targets[r]] - max - Math.log(sum));
    }
    Node[] self = new Node[1];
    self[0] = result(new double[] {scale * loss}, new int[] {1}, () -> {
      double d = self[0].grad[0] * scale;
      for (int r = 0; r < n; r++) {
        if (targets[r] < 0) {
          continue;
        }
        for (int c = 0; c < classes; c++) {
          logits.grad[r * classes + c] += d * (softmax[r * classes + c] - (c == targets[r] ? 1 : 0));
        }
      }
    });
    return self[0];
  }

  /**
   * Scalar: scale · Σ_{r: targets[r] ∈ {0, 1}} softplus(z[r]) − targets[r]·z[r], the binary
   * cross-entropy of the one logit per row z [n, 1] (ELECTRA's replaced-token loss); other targets
   * (−1) are not counted.
   */
  Node sigmoidCrossEntropy(Node logits, int[] targets, double scale) {
    if (logits.cols() != 1 || logits.rows() != targets.length) {
      throw new IllegalArgumentException("sigmoidCrossEntropy: one logit per target");
    }
    double loss = 0;
    for (int r = 0; r < targets.length; r++) {
      if (targets[r] == 0 || targets[r] == 1) {
        double z = logits.value[r];
        loss += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - targets[r] * z;
      }
    }
    Node[] self = new Node[1];
    self[0] = result(new double[] {scale * loss}, new int[] {1}, () -> {
      double d = self[0].grad[0] * scale;
      for (int r = 0; r < targets.length; r++) {
        if (targets[r] == 0 || targets[r] == 1) {
          logits.grad[r] += d * (1 / (1 + Math.exp(-logits.value[r])) - targets[r]);
        }
      }
    });
    return self[0];
  }

  /** Scalar Σ r ⊙ x with constant weights r (how op tests turn an output into a loss). */
  Node dot(Node x, double[] r) {
    if (r.length != x.value.length) {
      throw new IllegalArgumentException("dot: sizes " + x.value.length + " and " + r.length);
    }
    double s = 0;
    for (int i = 0; i < r.length; i++) {
      s += r[i] * x.value[i];
    }
    Node[] self = new Node[1];
    self[0] = result(new double[] {s}, new int[] {1}, () -> {
      double d = self[0].grad[0];
      for (int i = 0; i < r.length; i++) {
        x.grad[i] += d * r[i];
      }
    });
    return self[0];
  }

  /** Φ(x), the standard normal CDF, from {@link #erf}. */
  static double Phi(double x) {
    return 0.5 * (1 + erf(x / Math.sqrt(2)));
  }

  /**
   * erf in double precision: the Maclaurin series for |x| ≤ 2 (error ≈ 1e-15), the continued fraction
   * of erfc beyond.
   */
  static double erf(double x) {
    double ax = Math.abs(x);
    double r;
    if (ax <= 2.0) {
      double term = ax;
      double sum = ax;
      double x2 = ax * ax;
      for (int n = 1; n < 200; n++) {
        term *= -x2 / n;
        double add = term / (2 * n + 1);
        sum += add;
        if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
          break;
        }
      }
      r = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
      double t = ax;
      for (int n = 120; n >= 1; n--) {
        t = ax + (n / 2.0) / t;
      }
      r = 1 - Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * t);
    }
    return x < 0 ? -r : r;
  }
}
