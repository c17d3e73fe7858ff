package bert4j.runtime.model;

import bert4j.dsl.Architecture;
import bert4j.runtime.ParameterInfo;
import bert4j.runtime.config.ModelConfig;

/**
 * The standard deviations a T5 trained from scratch starts from: Hugging Face's
 * {@code T5PreTrainedModel._init_weights} (Mesh TensorFlow's), not the encoders' single initializer
 * range. The shared embedding starts at 1; the query at (d_model·d_kv)^−0.5, which stands in for the
 * 1/√d_kv scaling T5's attention leaves out; the key, value, attention output and feed-forward
 * weights at fan-in^−0.5; the relative position tables at d_model^−0.5. At bert4j's 0.02 a T5's
 * unscaled attention scores start near 0 (every head uniform) and its queries and keys, products of
 * two small factors, barely move. T5 1.1's untied {@code lm_head} starts at d_model^−0.5, as Mesh
 * TensorFlow's logits layer (a dense layer's fan-in scaling), not at Hugging Face's 1: on unit-scale
 * decoder outputs that gives logits of standard deviation √d_model, and a couplet T5 started so had
 * a held-out loss of 12.0 after an epoch against ln(vocab) = 8.3 at the start.
 */
final class T5Initialization {
  private T5Initialization() {}

  static boolean applies(ModelConfig config) {
    return config.architecture() == Architecture.T5 || config.architecture() == Architecture.T5_1_1;
  }

  /**
   * The standard deviation of weight {@code p} (stored [out, in], as Hugging Face's): as described
   * above; a name outside T5's is an error.
   */
  static double std(ModelConfig config, ParameterInfo p) {
    String name = p.name();
    if (name.equals("shared.weight")) {
      return 1;
    }
    if (name.equals("lm_head.weight")) {
      return 1 / Math.sqrt(config.hidden());
    }
    if (name.endsWith("relative_attention_bias.weight")) {
      return 1 / Math.sqrt(config.hidden());
    }
    int fanIn = p.shape()[1];
    if (name.endsWith("Attention.q.weight")) {
      int keySize = p.shape()[0] / config.heads();
      return 1 / Math.sqrt((double) fanIn * keySize);
    }
    if (name.matches(".*Attention\\.[kvo]\\.weight") || name.matches(".*DenseReluDense\\.w[io].*")) {
      return 1 / Math.sqrt(fanIn);
    }
    throw new IllegalArgumentException("no T5 initialization for parameter " + name);
  }
}
