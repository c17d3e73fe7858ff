package bert4j.processor.blocks;

import bert4j.dsl.Architecture;
import bert4j.processor.ops.Add;
import bert4j.processor.spec.ModelSpec;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/**
 * The encoder of every architecture, written forward only: embeddings, then per layer either post-LN
 * blocks, x = LN(x + block(x)) (BERT and all but GPT-2), or pre-LN blocks, x = x + block(LN(x)), with
 * a final {@code ln_f} (GPT-2). ALBERT declares one layer's weights outside the layers and every layer
 * uses them, so their gradients add up over the layers.
 */
public final class Encoder {
  private Encoder() {}

  public static Embeddings.Result build(Tape tape, ModelSpec spec) {
    Embeddings.Result embeddings = Embeddings.build(tape, spec);
    LayerNames names = LayerNames.of(spec.architecture());
    LayerWeights shared = spec.architecture() == Architecture.ALBERT
        ? LayerWeights.declare(tape, spec, names, LayerNames.ALBERT_SHARED, embeddings.condition())
        : null;
    boolean preNorm = spec.architecture() == Architecture.GPT2;
    Value x = embeddings.output();
    for (int l = 0; l < spec.layers(); l++) {
      tape.enterLayer(l, names.layerPrefix(l), x);
      LayerWeights w = shared != null ? shared
          : LayerWeights.declare(tape, spec, names, "", embeddings.condition());
      x = preNorm ? preNormLayer(tape, spec, w, x) : postNormLayer(tape, spec, w, x);
      tape.exitLayer();
    }
    if (preNorm) {
      Norm last = Norm.declare(tape, "ln_f", "finalNorm", spec.hidden(), spec.layerNormEps(),
          embeddings.condition());
      tape.comment("final layer norm");
      x = last.apply(tape, x, null, "final", "finalOutput");
    }
    return new Embeddings.Result(embeddings.wordEmbeddings(), x, embeddings.condition());
  }

  private static Value postNormLayer(Tape tape, ModelSpec spec, LayerWeights w, Value x) {
    tape.comment("self-attention");
    Value attention = SelfAttention.apply(tape, spec, w, x);
    tape.comment("residual + norm");
    Value attended = w.attentionNorm().apply(tape, attention, x, "attention", "attentionNormed");
    tape.comment("feed-forward");
    Value fed = FeedForward.apply(tape, spec, w, attended);
    tape.comment("residual + norm");
    return w.outputNorm().apply(tape, fed, attended, "output", "output");
  }

  private static Value preNormLayer(Tape tape, ModelSpec spec, LayerWeights w, Value x) {
    tape.comment("norm → self-attention");
    Norm.Applied in = w.attentionNorm().applyKeepingSum(tape, x, null, "attention",
        "attentionNormed");
    Value attention = SelfAttention.apply(tape, spec, w, in.out());
    tape.comment("residual (into attentionSum) + norm → feed-forward");
    Norm.Applied attended = w.outputNorm().applyKeepingSum(tape, attention, in.sum(), "output",
        "outputNormed");
    Value fed = FeedForward.apply(tape, spec, w, attended.out());
    tape.comment("residual (into outputSum)");
    Value out = tape.next(fed);
    tape.record(new Add(fed, attended.sum(), out));
    return out;
  }
}
