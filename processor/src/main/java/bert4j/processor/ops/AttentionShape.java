package bert4j.processor.ops;

import bert4j.processor.plan.Arg;

/** The model's attention sizes: heads, the q/k width and the v width of one head, the logit scale. */
public record AttentionShape(int heads, int keySize, int headSize, float scale) {
  Arg arg() {
    return new Arg.Shape(heads, keySize, headSize, scale);
  }
}
