package bert4j.processor.blocks;

import bert4j.processor.spec.ModelSpec;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/**
 * The BERT (and RoBERTa) encoder, written forward only: embeddings, then per layer post-LN
 * self-attention and feed-forward blocks, each as x = LN(x + block(x)).
 */
public final class Bert {
  private Bert() {}

  public static Embeddings.Result build(Tape tape, ModelSpec spec) {
    Embeddings.Result embeddings = Embeddings.build(tape, spec);
    Value x = embeddings.output();
    for (int l = 0; l < spec.layers(); l++) {
      tape.enterLayer(l, "encoder.layer." + l + ".", x);
      tape.comment("self-attention");
      Value attention = SelfAttention.build(tape, spec, x);
      Norm attentionNorm = Norm.declare(tape, "attention.output.LayerNorm", "attentionNorm",
          spec.hidden(), spec.layerNormEps());
      tape.comment("residual + layer norm");
      Value attended = attentionNorm.apply(tape, attention, x, "attention", "attentionNormed");
      tape.comment("feed-forward");
      Value fed = FeedForward.build(tape, spec, attended);
      Norm outputNorm = Norm.declare(tape, "output.LayerNorm", "outputNorm", spec.hidden(),
          spec.layerNormEps());
      tape.comment("residual + layer norm");
      x = outputNorm.apply(tape, fed, attended, "output", "output");
      tape.exitLayer();
    }
    return new Embeddings.Result(embeddings.wordEmbeddings(), x);
  }
}
