package bert4j.runtime.model;

import bert4j.dsl.Architecture;
import bert4j.runtime.FloatTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How an architecture's parameters are named and laid out in checkpoint files, against the model's
 * own names (Hugging Face's, without the task model's prefix) and layout (every dense weight
 * {@code [out, in]}). Loading looks each parameter up under every name a Hugging Face file may give
 * it: with or without the encoder prefix ({@code bert.}, {@code nezha.}, {@code albert.}, {@code roformer.},
 * {@code electra.}, {@code transformer.}), with the old {@code LayerNorm.gamma/beta} spelling, and for
 * ALBERT_UNSHARED under ALBERT's one shared layer. GPT and GPT-2 store their Conv1D weights
 * ({@code c_attn}, {@code c_proj}, {@code c_fc}) as {@code [in, out]}: they are transposed on load and
 * on save. T5's names ({@code shared.weight}, {@code encoder.block.0.layer.0.SelfAttention.q.weight},
 * {@code lm_head.weight}) have no prefix. Saving writes the encoder under the prefix (none for GPT and GPT-2, as the hub's files)
 * and the heads as they are.
 */
final class CheckpointNames {
  private static final List<String> HEADS = List.of("cls.", "classifier.", "token_classifier.",
      "predictions.", "discriminator_predictions.", "crf.", "memm.", "span_heads.");
  private static final Pattern ALBERT_LAYER = Pattern.compile("encoder\\.layer\\.\\d+\\.(.*)");
  private static final String ALBERT_SHARED = "encoder.albert_layer_groups.0.albert_layers.0.";
  private static final Pattern CONV1D = Pattern.compile(".*\\.(c_attn|c_proj|c_fc)\\.weight");

  private final Architecture architecture;

  CheckpointNames(Architecture architecture) {
    this.architecture = architecture;
  }

  /** The prefix Hugging Face's task models put before the encoder's names. */
  String encoderPrefix() {
    return switch (architecture) {
      case BERT -> "bert.";
      case NEZHA -> "nezha.";
      case ALBERT, ALBERT_UNSHARED -> "albert.";
      case ROFORMER, ROFORMER_V2 -> "roformer.";
      case ELECTRA -> "electra.";
      case GPT, GPT2 -> "transformer.";
      case T5, T5_1_1 -> "";
    };
  }

  /** Whether {@code name} belongs to a head, which Hugging Face names without the encoder prefix. */
  static boolean isHead(String name) {
    return HEADS.stream().anyMatch(name::startsWith);
  }

  /** The name {@code save} writes for parameter {@code name}. */
  String saved(String name) {
    return isHead(name) || architecture == Architecture.GPT || architecture == Architecture.GPT2
        ? name : encoderPrefix() + name;
  }

  /** Every name a file may hold parameter {@code name} under, the preferred first. */
  List<String> candidates(String name) {
    List<String> own = new ArrayList<>(spellings(name));
    if (architecture == Architecture.ALBERT_UNSHARED) {
      Matcher m = ALBERT_LAYER.matcher(name);
      if (m.matches()) {
        own.addAll(spellings(ALBERT_SHARED + m.group(1)));
      }
    }
    List<String> names = new ArrayList<>();
    for (String spelling : own) {
      names.add(spelling);
      if (!isHead(spelling) && !encoderPrefix().isEmpty()) {
        names.add(encoderPrefix() + spelling);
      }
    }
    return names;
  }

  /** Whether parameter {@code name} is stored transposed ({@code [in, out]}, GPT's Conv1D). */
  boolean transposed(String name) {
    return (architecture == Architecture.GPT || architecture == Architecture.GPT2)
        && CONV1D.matcher(name).matches();
  }

  /** The shape parameter {@code name} of shape {@code shape} has in a file. */
  int[] storedShape(String name, int[] shape) {
    return transposed(name) ? new int[] {shape[1], shape[0]} : shape.clone();
  }

  /** The tensor as the model holds it, from a file's tensor of parameter {@code name}. */
  FloatTensor fromStored(String name, FloatTensor stored) {
    return transposed(name) ? stored.transposed() : stored;
  }

  /** The tensor as a file holds it, from the model's tensor of parameter {@code name}. */
  FloatTensor toStored(String name, FloatTensor own) {
    return transposed(name) ? own.transposed() : own;
  }

  /** Whether parameter {@code name} is a norm's scale, initialised to ones. */
  static boolean isNormScale(String name) {
    return name.endsWith("LayerNorm.weight") || name.endsWith("layer_norm.weight")
        || name.matches("(.*\\.)?ln_(1|2|f)\\.weight");
  }

  /** Whether parameter {@code name} starts at zero (conditional layer norms' condition denses). */
  static boolean isZero(String name) {
    return name.endsWith("gamma_dense.weight") || name.endsWith("beta_dense.weight");
  }

  /**
   * Whether weight {@code name} starts from LeCun's normal (standard deviation 1/√fan-in) instead
   * of the encoder's initializer range: the span heads' dense layers, as bert4keras's
   * {@code GlobalPointer} initialises them. With the range of 0.02 the scores q·k start near zero,
   * where a product of two small factors has almost no gradient, and a head on an encoder trained
   * from scratch stays at input-independent scores.
   */
  static boolean isLecunNormal(String name) {
    return name.startsWith("span_heads.") && name.endsWith("dense.weight");
  }

  /** Whether parameter {@code name} starts as the identity (the talking-heads matrices). */
  static boolean isIdentity(String name) {
    return name.endsWith("talking_heads_pre.weight") || name.endsWith("talking_heads_post.weight");
  }

  private static List<String> spellings(String name) {
    if (name.endsWith("LayerNorm.weight")) {
      return List.of(name, name.substring(0, name.length() - "weight".length()) + "gamma");
    }
    if (name.endsWith("LayerNorm.bias")) {
      return List.of(name, name.substring(0, name.length() - "bias".length()) + "beta");
    }
    return List.of(name);
  }
}
