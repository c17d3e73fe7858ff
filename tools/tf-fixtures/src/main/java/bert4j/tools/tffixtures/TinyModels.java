package bert4j.tools.tffixtures;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The variables of a tiny Google BERT and a tiny ALBERT, named and shaped as their original TensorFlow
 * checkpoints are (google-research/bert and google-research/albert modeling.py; kernels [in, out]), with
 * deterministic values. The tests of bert4j.runtime.io.tf keep a copy of these lists and of the formula.
 */
final class TinyModels {
  static final int VOCAB = 12;
  static final int HIDDEN = 8;
  static final int LAYERS = 2;
  static final int INTERMEDIATE = 16;
  static final int POSITIONS = 16;
  static final int SEGMENTS = 2;
  static final int ALBERT_EMBEDDING = 4;

  /** A variable's name and shape. */
  record Variable(String name, long... shape) {
    int size() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return (int) n;
    }

    float[] values() {
      float[] values = new float[size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = value(name, i);
      }
      return values;
    }
  }

  private TinyModels() {}

  /** Element {@code i} (row-major) of the variable {@code name}: a sine, exact as float32 on every JVM. */
  static float value(String name, int i) {
    return (float) StrictMath.sin(0.01 * Math.floorMod(name.hashCode(), 997) + 0.37 * i);
  }

  /** BERT with 2 heads (no shape shows them), sorted by name, without global_step. */
  static List<Variable> bert() {
    List<Variable> v = new ArrayList<>();
    embeddings(v, HIDDEN);
    for (int layer = 0; layer < LAYERS; layer++) {
      String p = "bert/encoder/layer_" + layer + "/";
      for (String projection : List.of("query", "key", "value")) {
        dense(v, p + "attention/self/" + projection, HIDDEN, HIDDEN);
      }
      dense(v, p + "attention/output/dense", HIDDEN, HIDDEN);
      layerNorm(v, p + "attention/output/LayerNorm", HIDDEN);
      dense(v, p + "intermediate/dense", HIDDEN, INTERMEDIATE);
      dense(v, p + "output/dense", INTERMEDIATE, HIDDEN);
      layerNorm(v, p + "output/LayerNorm", HIDDEN);
    }
    heads(v, HIDDEN);
    v.sort(Comparator.comparing(Variable::name));
    return v;
  }

  /** ALBERT with a factorized embedding of 4 and one shared layer, sorted by name, without global_step. */
  static List<Variable> albert() {
    List<Variable> v = new ArrayList<>();
    embeddings(v, ALBERT_EMBEDDING);
    dense(v, "bert/encoder/embedding_hidden_mapping_in", ALBERT_EMBEDDING, HIDDEN);
    String p = "bert/encoder/transformer/group_0/inner_group_0/";
    for (String projection : List.of("query", "key", "value")) {
      dense(v, p + "attention_1/self/" + projection, HIDDEN, HIDDEN);
    }
    dense(v, p + "attention_1/output/dense", HIDDEN, HIDDEN);
    layerNorm(v, p + "LayerNorm", HIDDEN);
    dense(v, p + "ffn_1/intermediate/dense", HIDDEN, INTERMEDIATE);
    dense(v, p + "ffn_1/intermediate/output/dense", INTERMEDIATE, HIDDEN);
    layerNorm(v, p + "LayerNorm_1", HIDDEN);
    heads(v, ALBERT_EMBEDDING);
    v.sort(Comparator.comparing(Variable::name));
    return v;
  }

  private static void embeddings(List<Variable> v, int width) {
    v.add(new Variable("bert/embeddings/word_embeddings", VOCAB, width));
    v.add(new Variable("bert/embeddings/position_embeddings", POSITIONS, width));
    v.add(new Variable("bert/embeddings/token_type_embeddings", SEGMENTS, width));
    layerNorm(v, "bert/embeddings/LayerNorm", width);
  }

  /** Pooler, masked-LM head (transform to the embedding width, bias over the vocabulary) and NSP/SOP head. */
  private static void heads(List<Variable> v, int embedding) {
    dense(v, "bert/pooler/dense", HIDDEN, HIDDEN);
    dense(v, "cls/predictions/transform/dense", HIDDEN, embedding);
    layerNorm(v, "cls/predictions/transform/LayerNorm", embedding);
    v.add(new Variable("cls/predictions/output_bias", VOCAB));
    v.add(new Variable("cls/seq_relationship/output_weights", 2, HIDDEN));
    v.add(new Variable("cls/seq_relationship/output_bias", 2));
  }

  private static void dense(List<Variable> v, String scope, int in, int out) {
    v.add(new Variable(scope + "/kernel", in, out));
    v.add(new Variable(scope + "/bias", out));
  }

  private static void layerNorm(List<Variable> v, String scope, int width) {
    v.add(new Variable(scope + "/gamma", width));
    v.add(new Variable(scope + "/beta", width));
  }
}
