package bert4j.runtime.io.tf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What the TensorFlow-written fixtures hold (a copy of tools/tf-fixtures' TinyModels: names, shapes and
 * the value formula) and where they are: {@code bert/bert_model.ckpt}, {@code albert/model.ckpt} and
 * {@code edge/edge.ckpt} in this package's test resources.
 */
final class TinyCheckpoints {
  static final long GLOBAL_STEP = 123_456_789_012L;
  private static final int VOCAB = 12;
  private static final int HIDDEN = 8;
  private static final int INTERMEDIATE = 16;
  private static final int POSITIONS = 16;
  private static final int ALBERT_EMBEDDING = 4;

  /** A variable's name and shape. */
  record Variable(String name, long... shape) {}

  private TinyCheckpoints() {}

  /** The fixture file or directory at {@code relative} (e.g. {@code bert/bert_model.ckpt.index}). */
  static Path fixture(String relative) {
    try {
      Path root = Path.of(TinyCheckpoints.class.getResource("bert").toURI()).getParent();
      return root.resolve(relative);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A copy of the fixture directory {@code name} in {@code dir}, to damage; returns the copy. */
  static Path copy(String name, Path dir) {
    Path target = dir.resolve(name);
    try (var files = Files.list(fixture(name))) {
      Files.createDirectories(target);
      for (Path file : files.toList()) {
        Files.copy(file, target.resolve(file.getFileName()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return target;
  }

  /** Element {@code i} (row-major) of variable {@code name}, as the fixture tool computed it. */
  static float value(String name, int i) {
    return (float) StrictMath.sin(0.01 * Math.floorMod(name.hashCode(), 997) + 0.37 * i);
  }

  static List<Variable> bert() {
    List<Variable> v = new ArrayList<>();
    embeddings(v, HIDDEN);
    for (int layer = 0; layer < 2; layer++) {
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
    v.add(new Variable("bert/embeddings/token_type_embeddings", 2, width));
    layerNorm(v, "bert/embeddings/LayerNorm", width);
  }

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
