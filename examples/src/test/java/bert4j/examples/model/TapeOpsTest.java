package bert4j.examples.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bert4j.examples.model.Tape.Act;
import bert4j.examples.model.Tape.Node;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every op of the reference's {@link Tape}: its backward against central finite differences in double
 * precision, of L = Σ r ⊙ op(inputs) with a random r, for every element of every input; and the forward
 * facts the reference's semantics rest on (erf, masked softmax).
 */
class TapeOpsTest {
  private static final double H = 1e-6;
  private static final double TOLERANCE = 1e-7;

  /** Builds the op under test from leaves holding the inputs. */
  interface Graph {
    Node build(Tape tape, Node[] in);
  }

  private final Random random = new Random(42);

  private double[] randn(int n, double scale) {
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = scale * random.nextGaussian();
    }
    return a;
  }

  /** Checks d(Σ r ⊙ out)/d input against central differences, every element of every input. */
  private void check(String what, Graph graph, double[][] inputs, int[][] shapes) {
    Tape tape = new Tape();
    Node[] leaves = leaves(tape, inputs, shapes);
    Node out = graph.build(tape, leaves);
    double[] r = randn(out.value.length, 1);
    tape.backward(tape.dot(out, r));
    int checked = 0;
    for (int t = 0; t < inputs.length; t++) {
      for (int e = 0; e < inputs[t].length; e++) {
        double saved = inputs[t][e];
        inputs[t][e] = saved + H;
        double plus = value(graph, inputs, shapes, r);
        inputs[t][e] = saved - H;
        double minus = value(graph, inputs, shapes, r);
        inputs[t][e] = saved;
        double numeric = (plus - minus) / (2 * H);
        double analytic = leaves[t].grad[e];
        double error = Math.abs(numeric - analytic) / Math.max(1, Math.abs(numeric));
        assertTrue(error < TOLERANCE, what + ": input " + t + " element " + e + ": analytic "
            + analytic + ", finite differences " + numeric);
        checked++;
      }
    }
    assertTrue(checked > 0);
  }

  private static Node[] leaves(Tape tape, double[][] inputs, int[][] shapes) {
    Node[] leaves = new Node[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      leaves[i] = tape.leaf(inputs[i], shapes[i]);
    }
    return leaves;
  }

  private static double value(Graph graph, double[][] inputs, int[][] shapes, double[] r) {
    Tape tape = new Tape();
    return tape.dot(graph.build(tape, leaves(tape, inputs, shapes)), r).value[0];
  }

  @Test
  void dot() {
    double[] r = randn(6, 1);
    check("dot", (t, in) -> t.dot(in[0], r), new double[][] {randn(6, 1)}, new int[][] {{2, 3}});
  }

  @Test
  void matmulTransposed() {
    check("matmulT", (t, in) -> t.matmulT(in[0], in[1]),
        new double[][] {randn(12, 1), randn(20, 1)}, new int[][] {{3, 4}, {5, 4}});
  }

  @Test
  void matmulTransposedForward() {
    Tape tape = new Tape();
    Node x = tape.leaf(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
    Node w = tape.leaf(new double[] {1, 0, -1, 2, 1, 0}, 2, 3);
    // y = x wᵀ: [1·1 + 3·(−1), 1·2 + 2·1] = [−2, 4]; [4 − 6, 8 + 5] = [−2, 13]
    assertArrayEquals(new double[] {-2, 4, -2, 13}, tape.matmulT(x, w).value);
  }

  @Test
  void addBias() {
    check("addBias", (t, in) -> t.addBias(in[0], in[1]),
        new double[][] {randn(12, 1), randn(4, 1)}, new int[][] {{3, 4}, {4}});
  }

  @Test
  void linear() {
    check("linear", (t, in) -> t.linear(in[0], in[1], in[2]),
        new double[][] {randn(6, 1), randn(12, 1), randn(4, 1)}, new int[][] {{2, 3}, {4, 3}, {4}});
  }

  @Test
  void add() {
    check("add", (t, in) -> t.add(in[0], in[1]),
        new double[][] {randn(6, 1), randn(6, 1)}, new int[][] {{2, 3}, {2, 3}});
  }

  @Test
  void mul() {
    check("mul", (t, in) -> t.mul(in[0], in[1]),
        new double[][] {randn(6, 1), randn(6, 1)}, new int[][] {{2, 3}, {2, 3}});
  }

  @Test
  void mulOfANodeWithItself() {
    check("x ⊙ x", (t, in) -> t.mul(in[0], in[0]), new double[][] {randn(5, 1)}, new int[][] {{5}});
  }

  @Test
  void addOfANodeToItself() {
    check("x + x", (t, in) -> t.add(in[0], in[0]), new double[][] {randn(5, 1)}, new int[][] {{5}});
  }

  @Test
  void activations() {
    for (Act act : Act.values()) {
      double[] x = randn(40, 2);
      x[0] = 3.7; // erfc branch of GELU
      x[1] = -4.2;
      x[2] = 2.4;
      for (int i = 0; i < x.length; i++) {
        if (Math.abs(x[i]) < 1e-3) {
          x[i] = 0.5; // away from ReLU's kink
        }
      }
      check(act.name(), (t, in) -> t.act(in[0], act), new double[][] {x}, new int[][] {{40}});
    }
  }

  @Test
  void activationValues() {
    assertEquals(0.8413447460685429 * 1, Act.GELU.apply(1), 1e-15);
    assertEquals(-0.15865525393145707, Act.GELU.apply(-1), 1e-15);
    assertEquals(0.0, Act.RELU.apply(-2));
    assertEquals(2 / (1 + Math.exp(-2)), Act.SWISH.apply(2), 1e-15);
    assertEquals(0.8411919906082768, Act.GELU_TANH.apply(1), 1e-15);
    assertEquals(Math.tanh(0.3), Act.TANH.apply(0.3), 0);
  }

  @Test
  void erfMatchesKnownValues() {
    // values of Python's math.erf (C libm)
    double[][] known = {
      {0, 0}, {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465}, {1, 0.8427007929497149},
      {1.5, 0.9661051464753108}, {1.99, 0.995111413199617}, {2, 0.9953222650189527},
      {2.01, 0.9955248493552482}, {2.5, 0.999593047982555}, {2.6, 0.9997639655834707},
      {3, 0.9999779095030014}, {3.5, 0.9999992569016276}, {5, 0.9999999999984626},
      {-1, -0.8427007929497149}, {-3, -0.9999779095030014}};
    for (double[] k : known) {
      assertEquals(k[1], Tape.erf(k[0]), 2e-15, "erf(" + k[0] + ")");
    }
  }

  @Test
  void layerNorm() {
    check("layerNorm", (t, in) -> t.layerNorm(in[0], in[1], in[2], 1e-12),
        new double[][] {randn(18, 1), randn(6, 1), randn(6, 1)}, new int[][] {{3, 6}, {6}, {6}});
  }

  @Test
  void layerNormForward() {
    Tape tape = new Tape();
    Node x = tape.leaf(new double[] {1, 2, 3, 4}, 1, 4);
    Node y = tape.layerNorm(x, tape.leaf(new double[] {1, 1, 1, 2}, 4),
        tape.leaf(new double[] {0, 0, 0, 1}, 4), 0);
    double sd = Math.sqrt(1.25); // biased variance of 1..4
    assertArrayEquals(new double[] {-1.5 / sd, -0.5 / sd, 0.5 / sd, 2 * 1.5 / sd + 1}, y.value);
  }

  @Test
  void conditionalLayerNorm() {
    // B=2, S=3, d=4, C=2: x, γ, β, W_γ, W_β, c
    check("conditionalLayerNorm", (t, in) -> t.conditionalLayerNorm(in[0], in[1], in[2], in[3],
            in[4], in[5], 1e-12),
        new double[][] {randn(24, 1), randn(4, 1), randn(4, 1), randn(8, 1), randn(8, 1),
            randn(4, 1)},
        new int[][] {{6, 4}, {4}, {4}, {4, 2}, {4, 2}, {2, 2}});
  }

  @Test
  void conditionalLayerNormForward() {
    Tape tape = new Tape();
    // B=2, S=1, d=4, C=1: sequence b normalised with γ + c_b·w_γ and β + c_b·w_β
    Node x = tape.leaf(new double[] {1, 2, 3, 4, 4, 3, 2, 1}, 2, 4);
    Node y = tape.conditionalLayerNorm(x, tape.leaf(new double[] {1, 1, 1, 2}, 4),
        tape.leaf(new double[] {0, 0, 0, 1}, 4), tape.leaf(new double[] {1, 0, 0, 0}, 4, 1),
        tape.leaf(new double[] {0, 0, 2, 0}, 4, 1), tape.leaf(new double[] {0, 3}, 2, 1), 0);
    double sd = Math.sqrt(1.25); // biased variance of 1..4
    assertArrayEquals(new double[] {-1.5 / sd, -0.5 / sd, 0.5 / sd, 2 * 1.5 / sd + 1,
        4 * 1.5 / sd, 0.5 / sd, -0.5 / sd + 6, 2 * -1.5 / sd + 1}, y.value);
  }

  @Test
  void rmsNorm() {
    check("rmsNorm", (t, in) -> t.rmsNorm(in[0], 1e-12), new double[][] {randn(18, 1)},
        new int[][] {{3, 6}});
  }

  @Test
  void rmsNormForward() {
    Tape tape = new Tape();
    Node y = tape.rmsNorm(tape.leaf(new double[] {1, 2, 3, 4}, 1, 4), 0);
    double rms = Math.sqrt(7.5); // mean of 1, 4, 9, 16: no centring
    assertArrayEquals(new double[] {1 / rms, 2 / rms, 3 / rms, 4 / rms}, y.value);
  }

  @Test
  void rotary() {
    // B=2, S=3, H=2, size=4
    check("rotary", (t, in) -> t.rotary(in[0], 3, 2, 4), new double[][] {randn(48, 1)},
        new int[][] {{6, 8}});
  }

  @Test
  void rotaryForward() {
    Tape tape = new Tape();
    // one head of size 4, rows at positions 0 and 1 (seq 2): position 0 is unchanged
    double[] x = {1, 2, 3, 4, 1, 2, 3, 4};
    Node y = tape.rotary(tape.leaf(x, 2, 4), 2, 1, 4);
    double a0 = 1; // 1·10000^0
    double a1 = Math.pow(10000, -0.5); // 1·10000^(−2/4)
    assertArrayEquals(new double[] {1, 2, 3, 4,
        Math.cos(a0) - 2 * Math.sin(a0), 2 * Math.cos(a0) + Math.sin(a0),
        3 * Math.cos(a1) - 4 * Math.sin(a1), 4 * Math.cos(a1) + 3 * Math.sin(a1)}, y.value);
  }

  @Test
  void rotaryKeepsDotProductsRelative() {
    // RoFormer's point: ⟨R_i q, R_j k⟩ depends on j − i only
    Tape tape = new Tape();
    double[] q = randn(8, 1);
    double[] k = randn(8, 1);
    double[] rows = new double[5 * 8];
    for (int p = 0; p < 5; p++) {
      System.arraycopy(p % 2 == 0 ? q : k, 0, rows, p * 8, 8);
    }
    Node y = tape.rotary(tape.leaf(rows, 5, 8), 5, 2, 4);
    double d01 = 0;
    double d23 = 0;
    for (int c = 0; c < 8; c++) {
      d01 += y.value[c] * y.value[8 + c];
      d23 += y.value[2 * 8 + c] * y.value[3 * 8 + c];
    }
    assertEquals(d01, d23, 1e-12);
  }

  @Test
  void columns() {
    check("columns", (t, in) -> t.columns(in[0], 2, 3), new double[][] {randn(18, 1)},
        new int[][] {{3, 6}});
  }

  @Test
  void sigmoidCrossEntropyWithIgnoredRows() {
    int[] targets = {1, -1, 0, 1};
    check("sigmoidCrossEntropy", (t, in) -> t.sigmoidCrossEntropy(in[0], targets, 0.5),
        new double[][] {randn(4, 3)}, new int[][] {{4, 1}});
  }

  @Test
  void sigmoidCrossEntropyForward() {
    Tape tape = new Tape();
    Node bce = tape.sigmoidCrossEntropy(tape.leaf(new double[] {2, -3, 40}, 3, 1),
        new int[] {1, 0, -1}, 0.5);
    double sigmoid = 1 / (1 + Math.exp(-2));
    assertEquals(0.5 * (-Math.log(sigmoid) - Math.log(1 - 1 / (1 + Math.exp(3)))), bce.value[0],
        1e-14);
  }

  @Test
  void gatherWithRepeatedIds() {
    check("gather", (t, in) -> t.gather(in[0], new int[] {1, 4, 1, 0}),
        new double[][] {randn(15, 1)}, new int[][] {{5, 3}});
  }

  @Test
  void selectRows() {
    check("selectRows", (t, in) -> t.selectRows(in[0], new int[] {0, 3}),
        new double[][] {randn(12, 1)}, new int[][] {{4, 3}});
  }

  @Test
  void tiedTableUsedTwice() {
    // the MLM head's tie: a table gathered and multiplied with
    check("tied", (t, in) -> t.matmulT(t.gather(in[0], new int[] {2, 0, 2}), in[0]),
        new double[][] {randn(12, 1)}, new int[][] {{4, 3}});
  }

  @Test
  void hierarchicalPositions() {
    // a table of 3 rows read at positions up to 3² − 1, some twice
    check("hierarchicalPositions", (t, in) -> t.hierarchicalPositions(in[0],
            new int[] {0, 2, 3, 7, 8, 5, 7}, 0.4),
        new double[][] {randn(6, 1)}, new int[][] {{3, 2}});
  }

  @Test
  void hierarchicalPositionsForward() {
    Tape tape = new Tape();
    double[] e = {1, 2, 3, 5, -1, 4};
    Node y = tape.hierarchicalPositions(tape.leaf(e, 3, 2), new int[] {0, 1, 2, 7}, 0.4);
    // below the 3 rows: the rows themselves; 7 = 2·3 + 1: 0.4·E′[2] + 0.6·E′[1]
    double[] prime2 = {(-1 - 0.4 * 1) / 0.6, (4 - 0.4 * 2) / 0.6};
    double[] prime1 = {(3 - 0.4 * 1) / 0.6, (5 - 0.4 * 2) / 0.6};
    assertArrayEquals(new double[] {1, 2, 3, 5, -1, 4, 0.4 * prime2[0] + 0.6 * prime1[0],
        0.4 * prime2[1] + 0.6 * prime1[1]}, y.value);
  }

  @Test
  void attentionLogits() {
    // B=2, S=3, H=2, dk=2
    check("attentionLogits", (t, in) -> t.attentionLogits(in[0], in[1], 2, 3, 2, 2, 0.7),
        new double[][] {randn(24, 1), randn(24, 1)}, new int[][] {{6, 4}, {6, 4}});
  }

  @Test
  void attentionContext() {
    // B=2, S=3, H=2, dv=3
    check("attentionContext", (t, in) -> t.attentionContext(in[0], in[1], 2, 3, 2, 3),
        new double[][] {randn(36, 1), randn(36, 1)}, new int[][] {{2, 2, 3, 3}, {6, 6}});
  }

  private static boolean[][][] someMask() {
    boolean[][][] allowed = new boolean[2][3][3];
    allowed[0] = new boolean[][] {{true, false, true}, {true, true, true}, {false, false, false}};
    allowed[1] = new boolean[][] {{true, false, false}, {true, true, false}, {true, true, true}};
    return allowed;
  }

  @Test
  void maskedSoftmax() {
    boolean[][][] allowed = someMask();
    check("maskedSoftmax", (t, in) -> t.maskedSoftmax(in[0], allowed, 2, 2, 3),
        new double[][] {randn(36, 2)}, new int[][] {{2, 2, 3, 3}});
  }

  @Test
  void maskedSoftmaxForward() {
    Tape tape = new Tape();
    double[] logits = randn(36, 2);
    Node p = tape.maskedSoftmax(tape.leaf(logits, 2, 2, 3, 3), someMask(), 2, 2, 3);
    // batch 0, head 1, query 0: keys 0 and 2 only
    int row = ((0 * 2 + 1) * 3 + 0) * 3;
    double e0 = Math.exp(logits[row]);
    double e2 = Math.exp(logits[row + 2]);
    assertEquals(e0 / (e0 + e2), p.value[row], 1e-15);
    assertEquals(0.0, p.value[row + 1]);
    assertEquals(e2 / (e0 + e2), p.value[row + 2], 1e-15);
    // batch 0, query 2: no key allowed: uniform over all keys
    for (int h = 0; h < 2; h++) {
      int r = ((0 * 2 + h) * 3 + 2) * 3;
      for (int j = 0; j < 3; j++) {
        assertEquals(1.0 / 3, p.value[r + j], 1e-15);
      }
    }
    // batch 1, query 0: one key, probability 1
    assertEquals(1.0, p.value[((1 * 2) * 3) * 3], 1e-15);
  }

  @Test
  void relativeTableForward() {
    double[] table = Tape.relativeTable(2, 4);
    assertEquals(5 * 4, table.length);
    // row 0: sin 0, cos 0 in every pair; row 3, pair 1: the angle 3·10000^(−2/4)
    assertArrayEquals(new double[] {0, 1, 0, 1}, java.util.Arrays.copyOfRange(table, 0, 4));
    assertEquals(Math.sin(3), table[3 * 4], 1e-15);
    assertEquals(Math.cos(3 * 0.01), table[3 * 4 + 3], 1e-15);
    // clipped at ±m: key 5 ahead and key 2 ahead read the same row (m = 2); query = key reads m
    assertEquals(Tape.relativeRow(1, 6, 2), Tape.relativeRow(0, 2, 2));
    assertEquals(4, Tape.relativeRow(0, 2, 2));
    assertEquals(0, Tape.relativeRow(9, 0, 2));
    assertEquals(2, Tape.relativeRow(3, 3, 2));
  }

  @Test
  void relativeLogits() {
    // B=2, S=5, H=2, dk=4, m=2: distances beyond ±2 clipped
    check("relativeLogits", (t, in) -> t.relativeLogits(in[0], 2, 5, 2, 4, 2, 0.7),
        new double[][] {randn(80, 1)}, new int[][] {{10, 8}});
  }

  @Test
  void relativeContext() {
    // B=2, S=5, H=2, dv=2, m=2
    check("relativeContext", (t, in) -> t.relativeContext(in[0], 2, 5, 2, 2, 2),
        new double[][] {randn(100, 1)}, new int[][] {{2, 2, 5, 5}});
  }

  @Test
  void relativeContextForward() {
    Tape tape = new Tape();
    // B=1, S=3, H=1, dv=2, m=1: query 0 attends to key 2 alone, which is clipped to distance +1
    double[] p = new double[9];
    p[2] = 1;
    Node ctx = tape.relativeContext(tape.leaf(p, 1, 1, 3, 3), 1, 3, 1, 2, 1);
    assertArrayEquals(new double[] {Math.sin(2), Math.cos(2), 0, 0, 0, 0}, ctx.value);
  }

  @Test
  void mixHeads() {
    // B=2, H=3, S=2
    check("mixHeads", (t, in) -> t.mixHeads(in[0], in[1], 2, 3, 2),
        new double[][] {randn(24, 1), randn(9, 1)}, new int[][] {{2, 3, 2, 2}, {3, 3}});
  }

  @Test
  void mixHeadsForward() {
    Tape tape = new Tape();
    // B=1, H=2, S=1: y_g = Σ_h w[g][h] x_h
    Node y = tape.mixHeads(tape.leaf(new double[] {3, 5}, 1, 2, 1, 1),
        tape.leaf(new double[] {1, 2, -1, 0.5}, 2, 2), 1, 2, 1);
    assertArrayEquals(new double[] {13, -0.5}, y.value);
  }

  @Test
  void scaleBlocks() {
    check("scaleBlocks", (t, in) -> t.scaleBlocks(in[0], new double[] {0.5, 2}),
        new double[][] {randn(8, 1)}, new int[][] {{2, 4}});
  }

  @Test
  void maskedSquaredRelu() {
    boolean[][][] allowed = someMask();
    double[] l = randn(36, 2);
    for (int i = 0; i < l.length; i++) {
      if (Math.abs(l[i]) < 1e-3) {
        l[i] = 0.5; // away from the kink of relu
      }
    }
    check("maskedSquaredRelu", (t, in) -> t.maskedSquaredRelu(in[0], allowed, new int[] {3, 2},
        2, 2, 3), new double[][] {l}, new int[][] {{2, 2, 3, 3}});
  }

  @Test
  void maskedSquaredReluForward() {
    Tape tape = new Tape();
    double[] l = {2, -1, 3, 1, 1, 1, 1, 1, 1, 4, 4, 4, 4, 4, 4, 4, 4, 4};
    boolean[][][] allowed = new boolean[2][3][3];
    allowed[0] = new boolean[][] {{true, true, false}, {true, true, true}, {false, false, false}};
    // B=2, H=1, S=3; batch 0 has 2 keys: relu(2)²/2, relu(−1)² = 0, a masked key 0; a row with no
    // allowed key 0; batch 1 has no key at all: 0 everywhere
    Node a = tape.maskedSquaredRelu(tape.leaf(l, 2, 1, 3, 3), allowed, new int[] {2, 0}, 2, 1, 3);
    assertArrayEquals(new double[] {2, 0, 0, 0.5, 0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
        a.value);
  }

  @Test
  void crossEntropyWithIgnoredRows() {
    int[] targets = {2, -1, 0};
    check("crossEntropy", (t, in) -> t.crossEntropy(in[0], targets, 0.5),
        new double[][] {randn(12, 2)}, new int[][] {{3, 4}});
  }

  @Test
  void crossEntropyForward() {
    Tape tape = new Tape();
    double[] logits = {1, 2, 3, 0, 0, 0};
    Node ce = tape.crossEntropy(tape.leaf(logits, 2, 3), new int[] {2, 1}, 0.5);
    double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    assertEquals(0.5 * ((lse - 3) + Math.log(3)), ce.value[0], 1e-14);
  }

  @Test
  void wholeAttentionBlock() {
    boolean[][][] allowed = someMask();
    // B=2, S=3, H=2, dk=2, dv=2: q, k, v [6, 4]
    check("attention", (t, in) -> t.attentionContext(t.maskedSoftmax(
            t.attentionLogits(in[0], in[1], 2, 3, 2, 2, 0.5), allowed, 2, 2, 3), in[2], 2, 3, 2, 2),
        new double[][] {randn(24, 1), randn(24, 1), randn(24, 1)},
        new int[][] {{6, 4}, {6, 4}, {6, 4}});
  }

  @Test
  void backwardNeedsAScalar() {
    Tape tape = new Tape();
    Node x = tape.leaf(new double[2], 2);
    assertThrows(IllegalArgumentException.class, () -> tape.backward(x));
  }

  private static void assertArrayEquals(double[] expected, double[] actual) {
    org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual, 1e-12);
  }
}
