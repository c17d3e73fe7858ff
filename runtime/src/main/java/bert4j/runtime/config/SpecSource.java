package bert4j.runtime.config;

import bert4j.dsl.Activation;
import bert4j.dsl.Architecture;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes the annotated interface of a spec from a {@link ModelConfig} (read from a checkpoint's
 * {@code config.json}): what {@code bert4j spec} prints, so nobody maps config keys to annotation
 * attributes by hand. Attributes equal to their defaults are left out.
 */
public final class SpecSource {
  /** The heads and optimizer to declare besides the encoder the config describes. */
  public record Options(boolean pooler, boolean mlm, int classes, int tokenClasses,
      double learningRate) {
    /** No heads, the default optimizer. */
    public static Options none() {
      return new Options(false, false, 0, 0, Double.NaN);
    }
  }

  private SpecSource() {}

  /** The source of interface {@code qualifiedName} (package and simple name) for {@code config}. */
  public static String of(String qualifiedName, ModelConfig config, Options options, String from) {
    int dot = qualifiedName.lastIndexOf('.');
    String pkg = dot < 0 ? "" : qualifiedName.substring(0, dot);
    String name = qualifiedName.substring(dot + 1);
    if (!name.matches("[A-Za-z_$][A-Za-z0-9_$]*")) {
      throw new IllegalArgumentException("'" + qualifiedName + "' does not end in a Java type name");
    }
    Architecture a = config.architecture();
    List<String> attributes = new ArrayList<>();
    if (a != Architecture.BERT) {
      attributes.add("architecture = Architecture." + a);
    }
    attributes.add("layers = " + config.layers());
    attributes.add("hidden = " + config.hidden());
    attributes.add("heads = " + config.heads());
    attributes.add("intermediate = " + config.intermediate());
    attributes.add("vocab = " + config.vocab());
    if (config.embeddingSize() != config.hidden()) {
      attributes.add("embeddingSize = " + config.embeddingSize());
    }
    if (config.maxPosition() != 512) {
      attributes.add("maxPosition = " + config.maxPosition());
    }
    if (!a.causal() && config.segments() != 2) {
      attributes.add("segments = " + config.segments());
    }
    if (config.maxRelativePosition() != 0 && config.maxRelativePosition() != 64) {
      attributes.add("maxRelativePosition = " + config.maxRelativePosition());
    }
    if (config.activation() != Activation.GELU) {
      attributes.add("activation = Activation." + config.activation());
    }
    if (config.layerNormEps() != a.defaultLayerNormEps()) {
      attributes.add("layerNormEps = " + config.layerNormEps());
    }
    List<String> heads = new ArrayList<>();
    if (options.pooler()) {
      heads.add("pooler = true");
    }
    if (options.mlm()) {
      heads.add("mlm = true");
    }
    if (options.classes() > 0) {
      heads.add("classes = " + options.classes());
    }
    if (options.tokenClasses() > 0) {
      heads.add("tokenClasses = " + options.tokenClasses());
    }
    StringBuilder out = new StringBuilder();
    if (!pkg.isEmpty()) {
      out.append("package ").append(pkg).append(";\n\n");
    }
    if (attributes.stream().anyMatch(s -> s.startsWith("activation"))) {
      out.append("import bert4j.dsl.Activation;\n");
    }
    if (a != Architecture.BERT) {
      out.append("import bert4j.dsl.Architecture;\n");
    }
    if (!heads.isEmpty()) {
      out.append("import bert4j.dsl.Heads;\n");
    }
    if (!Double.isNaN(options.learningRate())) {
      out.append("import bert4j.dsl.Optimizer;\n");
    }
    out.append("import bert4j.dsl.Transformer;\n\n");
    out.append("/** ").append(a.name().toLowerCase(Locale.ROOT).replace('_', ' '))
        .append(", from ").append(from).append(" (written by bert4j spec). */\n");
    out.append(wrap("@Transformer(", attributes)).append('\n');
    if (!heads.isEmpty()) {
      out.append(wrap("@Heads(", heads)).append('\n');
    }
    if (!Double.isNaN(options.learningRate())) {
      out.append("@Optimizer(learningRate = ").append(options.learningRate()).append(")\n");
    }
    out.append("public interface ").append(name).append(" {}\n");
    return out.toString();
  }

  /** {@code open} then the attributes, comma-separated, lines wrapped before 100 columns. */
  private static String wrap(String open, List<String> attributes) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder(open);
    boolean fresh = true;
    for (int i = 0; i < attributes.size(); i++) {
      String item = attributes.get(i) + (i + 1 < attributes.size() ? "," : ")");
      if (!fresh && line.length() + 1 + item.length() > 99) {
        lines.add(line.toString());
        line = new StringBuilder("    ");
        fresh = true;
      }
      line.append(fresh ? "" : " ").append(item);
      fresh = false;
    }
    lines.add(line.toString());
    return String.join("\n", lines);
  }
}
