package bert4j.runtime.config;

import bert4j.dsl.Activation;
import bert4j.dsl.Architecture;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a Hugging Face {@code config.json} or a Google {@code bert_config.json} into a
 * {@link ModelConfig}, and compares one with a compiled model's, naming each key that differs in the
 * file's own words ({@code config.json says num_hidden_layers=12, the spec has layers=6}).
 */
public final class HfConfig {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final JsonNode root;

  private HfConfig(Path file, JsonNode root) {
    this.file = file;
    this.root = root;
  }

  /** Parses {@code file}; a file that is not a JSON object is an {@link IOException} naming it. */
  public static HfConfig read(Path file) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IOException(file + ": not a readable JSON config: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException(file + ": a model config is a JSON object");
    }
    return new HfConfig(file, root);
  }

  public Path file() {
    return file;
  }

  /**
   * The config as a spec would say it; {@code architecture} null takes the one {@code model_type}
   * names (BERT when there is none, as in Google's bert_config.json).
   */
  public ModelConfig toModelConfig(Architecture architecture) throws IOException {
    Architecture a = architecture != null ? architecture : architecture();
    if (a.encoderDecoder()) {
      return t5Config(a);
    }
    int hidden = integer("hidden_size", "n_embd", "d_model");
    int intermediate = root.has("intermediate_size") ? integer("intermediate_size")
        : root.hasNonNull("n_inner") ? integer("n_inner") : 4 * hidden;
    int layers = integer("num_hidden_layers", "n_layer");
    int heads = integer("num_attention_heads", "n_head");
    int vocab = integer("vocab_size");
    int maxPosition = integer("max_position_embeddings", "n_positions");
    int segments = a.causal() ? 0 : root.has("type_vocab_size") ? integer("type_vocab_size") : 2;
    int embeddingSize = root.has("embedding_size") ? integer("embedding_size") : hidden;
    double eps = root.has("layer_norm_eps") ? number("layer_norm_eps")
        : root.has("layer_norm_epsilon") ? number("layer_norm_epsilon") : a.defaultLayerNormEps();
    int relative = a == Architecture.NEZHA
        ? root.has("max_relative_position") ? integer("max_relative_position") : 64 : 0;
    return new ModelConfig(a, layers, hidden, heads, intermediate, vocab, maxPosition, segments,
        embeddingSize, activation(), eps, relative);
  }

  /**
   * T5's config ({@code d_model}, {@code num_layers}, {@code num_heads}, {@code d_ff},
   * {@code feed_forward_proj}, {@code layer_norm_epsilon}); T5 has no position table, so its
   * maxPosition is {@code n_positions} where the file gives one, else 512.
   */
  private ModelConfig t5Config(Architecture a) throws IOException {
    int layers = integer("num_layers");
    if (root.hasNonNull("num_decoder_layers") && integer("num_decoder_layers") != layers) {
      throw new IOException(file + ": num_decoder_layers=" + integer("num_decoder_layers")
          + " differs from num_layers=" + layers + "; bert4j's T5 has as many of each");
    }
    int hidden = integer("d_model");
    double eps = root.has("layer_norm_epsilon") ? number("layer_norm_epsilon") : 1e-6;
    int maxPosition = root.hasNonNull("n_positions") ? integer("n_positions") : 512;
    return new ModelConfig(a, layers, hidden, integer("num_heads"), integer("d_ff"),
        integer("vocab_size"), maxPosition, 0, hidden, t5Activation(), eps, 0);
  }

  /** T5's {@code dense_act_fn}, else the activation {@code feed_forward_proj} names. */
  private Activation t5Activation() throws IOException {
    String projection = root.path("feed_forward_proj").asText("relu").toLowerCase(Locale.ROOT);
    String name = root.hasNonNull("dense_act_fn") ? root.get("dense_act_fn").asText()
        : projection.equals("gated-gelu") ? "gelu_new" : projection.replace("gated-", "");
    return activation(name);
  }

  /** Whether T5's feed-forward block is gated ({@code feed_forward_proj} "gated-..."). */
  private boolean gated() {
    return root.path("feed_forward_proj").asText("relu").startsWith("gated-");
  }

  /**
   * The architecture {@code model_type} names: BERT (and RoBERTa) when absent or unknown; T5 or
   * T5_1_1 for {@code t5} by its {@code feed_forward_proj}, T5_1_1 for {@code mt5}.
   */
  public Architecture architecture() {
    String type = root.path("model_type").asText("bert").toLowerCase(Locale.ROOT);
    return switch (type) {
      case "t5" -> gated() ? Architecture.T5_1_1 : Architecture.T5;
      case "mt5" -> Architecture.T5_1_1;
      case "albert" -> Architecture.ALBERT;
      case "nezha" -> Architecture.NEZHA;
      case "roformer" -> Architecture.ROFORMER;
      case "electra" -> Architecture.ELECTRA;
      case "openai-gpt" -> Architecture.GPT;
      case "gpt2" -> Architecture.GPT2;
      default -> Architecture.BERT;
    };
  }

  /**
   * Every setting where {@code compiled} (the spec's) differs from this config, each as "config.json
   * says KEY=VALUE, the spec has ATTRIBUTE=VALUE"; empty when they agree.
   */
  public List<String> differences(ModelConfig compiled) throws IOException {
    ModelConfig file = toModelConfig(compiled.architecture());
    List<String> out = new ArrayList<>();
    boolean t5 = compiled.architecture().encoderDecoder();
    compare(out, t5 ? "num_layers" : "num_hidden_layers", file.layers(), "layers",
        compiled.layers());
    compare(out, t5 ? "d_model" : "hidden_size", file.hidden(), "hidden", compiled.hidden());
    compare(out, t5 ? "num_heads" : "num_attention_heads", file.heads(), "heads",
        compiled.heads());
    compare(out, t5 ? "d_ff" : "intermediate_size", file.intermediate(), "intermediate",
        compiled.intermediate());
    compare(out, "vocab_size", file.vocab(), "vocab", compiled.vocab());
    if (!t5) {
      compare(out, "max_position_embeddings", file.maxPosition(), "maxPosition",
          compiled.maxPosition());
    }
    compare(out, "type_vocab_size", file.segments(), "segments", compiled.segments());
    compare(out, "embedding_size", file.embeddingSize(), "embeddingSize", compiled.embeddingSize());
    if (file.activation() != compiled.activation()) {
      out.add(this.file.getFileName() + (t5 ? " says feed_forward_proj="
          + root.path("feed_forward_proj").asText("relu") : " says hidden_act=" + root.path("hidden_act")
          .asText(root.path("activation_function").asText())) + ", the spec has activation="
          + compiled.activation());
    }
    if (Math.abs(file.layerNormEps() - compiled.layerNormEps())
        > 1e-3 * Math.max(file.layerNormEps(), compiled.layerNormEps())) {
      out.add(this.file.getFileName() + " says layer_norm_eps=" + file.layerNormEps()
          + ", the spec has layerNormEps=" + compiled.layerNormEps());
    }
    compare(out, "max_relative_position", file.maxRelativePosition(), "maxRelativePosition",
        compiled.maxRelativePosition());
    return out;
  }

  private void compare(List<String> out, String key, int fromFile, String attribute, int compiled) {
    if (fromFile != compiled) {
      out.add(file.getFileName() + " says " + key + "=" + fromFile + ", the spec has " + attribute
          + "=" + compiled);
    }
  }

  private Activation activation() throws IOException {
    return activation(root.has("hidden_act") ? root.get("hidden_act").asText()
        : root.path("activation_function").asText("gelu"));
  }

  private Activation activation(String name) throws IOException {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "gelu" -> Activation.GELU;
      case "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu_tanh" -> Activation.GELU_TANH;
      case "relu" -> Activation.RELU;
      case "swish", "silu" -> Activation.SWISH;
      default -> throw new IOException(file + ": hidden_act=\"" + name + "\" is not an activation "
          + "bert4j has (gelu, gelu_new, relu, swish)");
    };
  }

  private int integer(String... keys) throws IOException {
    for (String key : keys) {
      JsonNode n = root.get(key);
      if (n != null && !n.isNull()) {
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 0) {
          throw new IOException(file + ": " + key + "=" + n + " is not a non-negative whole number");
        }
        return n.asInt();
      }
    }
    throw new IOException(file + ": has no " + String.join(" or ", keys));
  }

  private double number(String key) throws IOException {
    JsonNode n = root.get(key);
    if (!n.isNumber()) {
      throw new IOException(file + ": " + key + "=" + n + " is not a number");
    }
    return n.asDouble();
  }
}
