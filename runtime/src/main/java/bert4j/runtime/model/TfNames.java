package bert4j.runtime.model;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Hugging Face name of a tensor of an original TensorFlow checkpoint (Google's BERT, ALBERT and
 * ELECTRA releases; NEZHA's and RoFormer's, which use BERT's names): {@code bert/encoder/layer_0/
 * attention/self/query/kernel} → {@code bert.encoder.layer.0.attention.self.query.weight}, with
 * ALBERT's {@code transformer/group_0/inner_group_0/...} and ELECTRA's discriminator head mapped to
 * their Hugging Face spellings. Kernels are stored {@code [in, out]}: {@link #isKernel} tells which.
 * Names that are no parameter (global_step, optimizer slots) map to null.
 */
final class TfNames {
  private static final Pattern LAYER = Pattern.compile("layer_(\\d+)");
  private static final List<String[]> ALBERT = List.of(
      new String[] {"transformer/group_0/inner_group_0/attention_1/self/", "albert_layer_groups/0/albert_layers/0/attention/"},
      new String[] {"transformer/group_0/inner_group_0/attention_1/output/dense/", "albert_layer_groups/0/albert_layers/0/attention/dense/"},
      new String[] {"transformer/group_0/inner_group_0/LayerNorm/", "albert_layer_groups/0/albert_layers/0/attention/LayerNorm/"},
      new String[] {"transformer/group_0/inner_group_0/ffn_1/intermediate/output/dense/", "albert_layer_groups/0/albert_layers/0/ffn_output/"},
      new String[] {"transformer/group_0/inner_group_0/ffn_1/intermediate/dense/", "albert_layer_groups/0/albert_layers/0/ffn/"},
      new String[] {"transformer/group_0/inner_group_0/LayerNorm_1/", "albert_layer_groups/0/albert_layers/0/full_layer_layer_norm/"});

  /** ALBERT's Hugging Face layer names back to Google's (the inverse of {@link #ALBERT}). */
  private static final List<String[]> ALBERT_BACK = List.of(
      new String[] {"albert_layer_groups.0.albert_layers.0.attention.dense.", "transformer.group_0.inner_group_0.attention_1.output.dense."},
      new String[] {"albert_layer_groups.0.albert_layers.0.attention.LayerNorm.", "transformer.group_0.inner_group_0.LayerNorm."},
      new String[] {"albert_layer_groups.0.albert_layers.0.attention.", "transformer.group_0.inner_group_0.attention_1.self."},
      new String[] {"albert_layer_groups.0.albert_layers.0.ffn_output.", "transformer.group_0.inner_group_0.ffn_1.intermediate.output.dense."},
      new String[] {"albert_layer_groups.0.albert_layers.0.ffn.", "transformer.group_0.inner_group_0.ffn_1.intermediate.dense."},
      new String[] {"albert_layer_groups.0.albert_layers.0.full_layer_layer_norm.", "transformer.group_0.inner_group_0.LayerNorm_1."});

  private TfNames() {}

  /**
   * Google's TensorFlow name of parameter {@code name} (the inverse of {@link #huggingFace}), under
   * the model scope {@code scope} ({@code bert} or {@code electra}): what bert4keras and Google's
   * scripts read.
   */
  static String google(String name, boolean albert, String scope) {
    String n = name;
    if (albert) {
      for (String[] rule : ALBERT_BACK) {
        n = n.replace(rule[0], rule[1]);
      }
      n = n.replace("predictions.dense.", "cls.predictions.transform.dense.")
          .replace("predictions.LayerNorm.", "cls.predictions.transform.LayerNorm.");
      if (n.equals("predictions.bias")) {
        n = "cls.predictions.bias";
      }
      if (n.startsWith("pooler.") && !n.startsWith("pooler.dense.")) {
        n = "pooler.dense." + n.substring("pooler.".length());
      }
    }
    n = n.replaceAll("layer\\.(\\d+)", "layer_$1");
    if (n.equals("cls.predictions.bias")) {
      n = "cls.predictions.output_bias";
    } else if (n.endsWith("_embeddings.weight")) {
      n = n.substring(0, n.length() - ".weight".length());
    } else if (n.matches(".*LayerNorm(_1)?\\.weight")) {
      n = n.substring(0, n.length() - "weight".length()) + "gamma";
    } else if (n.matches(".*LayerNorm(_1)?\\.bias")) {
      n = n.substring(0, n.length() - "bias".length()) + "beta";
    } else if (n.endsWith(".weight")) {
      n = n.substring(0, n.length() - "weight".length()) + "kernel";
    }
    n = n.replace("discriminator_predictions.dense_prediction.", "discriminator_predictions.dense_1.");
    boolean head = n.startsWith("cls.") || n.startsWith("discriminator_predictions.");
    return (head ? "" : scope + "/") + n.replace('.', '/');
  }

  /** Whether TF tensor {@code name} is a dense kernel, stored {@code [in, out]}. */
  static boolean isKernel(String name) {
    return name.endsWith("/kernel");
  }

  /** The Hugging Face name of TF tensor {@code name}, or null for what is no parameter. */
  static String huggingFace(String name, boolean albert) {
    if (name.equals("global_step") || name.contains("/adam_") || name.startsWith("_")) {
      return null;
    }
    String n = name.startsWith("module/") ? name.substring("module/".length()) : name;
    for (String scope : new String[] {"bert/", "electra/"}) {
      if (n.startsWith(scope) && !n.startsWith(scope + "pooler/")) {
        n = n.substring(scope.length());
      }
    }
    if (albert) {
      for (String[] rule : ALBERT) {
        n = n.replace(rule[0], rule[1]);
      }
      n = n.replace("cls/predictions/transform/", "predictions/").replace("cls/predictions/output_bias",
          "predictions/bias").replace("bert/pooler/dense/", "pooler/");
    }
    n = n.replace("bert/pooler/", "pooler/").replace("cls/predictions/output_bias", "cls/predictions/bias")
        .replace("seq_relationship/output_weights", "seq_relationship/weight")
        .replace("seq_relationship/output_bias", "seq_relationship/bias")
        .replace("discriminator_predictions/dense_1/", "discriminator_predictions/dense_prediction/");
    Matcher m = LAYER.matcher(n);
    n = m.replaceAll("layer/$1");
    if (n.endsWith("/kernel") || n.endsWith("/gamma")) {
      n = n.substring(0, n.lastIndexOf('/')) + "/weight";
    } else if (n.endsWith("/beta")) {
      n = n.substring(0, n.lastIndexOf('/')) + "/bias";
    } else if (n.endsWith("_embeddings")) {
      n = n + "/weight";
    }
    return n.replace('/', '.');
  }
}
