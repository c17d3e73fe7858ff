package bert4j.processor.plan;

import bert4j.dsl.Activation;
import bert4j.processor.plan.Arg.BoolConst;
import bert4j.processor.plan.Arg.Buf;
import bert4j.processor.plan.Arg.ClsStride;
import bert4j.processor.plan.Arg.Dim;
import bert4j.processor.plan.Arg.EnumConst;
import bert4j.processor.plan.Arg.FloatConst;
import bert4j.processor.plan.Arg.Grad;
import bert4j.processor.plan.Arg.Host;
import bert4j.processor.plan.Arg.IntConst;
import bert4j.processor.plan.Arg.LossScale;
import bert4j.processor.plan.Arg.None;
import bert4j.processor.plan.Arg.Param;
import bert4j.processor.plan.Arg.Seed;
import bert4j.processor.plan.Arg.Shape;
import bert4j.processor.plan.Arg.TrainingRate;
import bert4j.processor.spec.ModelSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Lowers a BERT spec to a {@link Plan}: post-LN blocks over token + position + segment embeddings, with
 * the pooler, tied MLM and classification heads the spec asks for, and the backward of exactly the
 * parts that reach a loss.
 */
public final class BertPlanner {
  private final ModelSpec spec;
  private final int h;
  private final int qk;
  private final int v;
  private final float eps;
  private final List<Parameter> parameters = new ArrayList<>();
  private final List<Call> forward = new ArrayList<>();
  private final List<Call> backward = new ArrayList<>();
  private long nextOffset;
  private int nextSeedSite;

  private BertPlanner(ModelSpec spec) {
    this.spec = spec;
    this.h = spec.hidden();
    this.qk = spec.heads() * spec.keySize();
    this.v = spec.heads() * spec.headSize();
    this.eps = (float) spec.layerNormEps();
  }

  /** The plan of {@code spec}. */
  public static Plan plan(ModelSpec spec) {
    return new BertPlanner(spec).build();
  }

  private Plan build() {
    Parameter wordEmbeddings = param("embeddings.word_embeddings.weight", "wordEmbeddings", spec.vocab(), h);
    Parameter positionEmbeddings = param("embeddings.position_embeddings.weight", "positionEmbeddings",
        spec.maxPosition(), h);
    Parameter segmentEmbeddings = param("embeddings.token_type_embeddings.weight", "segmentEmbeddings",
        spec.segments(), h);
    Norm embeddingNorm = norm("embeddings.LayerNorm", "embeddingNorm");

    Buffer embeddingSum = tokens("embeddingSum", h);
    Buffer embeddingOutput = tokens("embeddingOutput", h);
    Buffer embeddingMean = tokens("embeddingMean", 1);
    Buffer embeddingRstd = tokens("embeddingRstd", 1);
    forward("embedding", "token + position + segment embeddings",
        new Host("tokenIds"), rows(1), new Param(wordEmbeddings), new IntConst(h), new Buf(embeddingSum),
        new BoolConst(false));
    forward("embedding", null, new Host("positionIds"), rows(1), new Param(positionEmbeddings),
        new IntConst(h), new Buf(embeddingSum), new BoolConst(true));
    forward("embedding", null, new Host("segmentIds"), rows(1), new Param(segmentEmbeddings),
        new IntConst(h), new Buf(embeddingSum), new BoolConst(true));
    forward("layerNorm", null, new Buf(embeddingSum), new None(), new Param(embeddingNorm.weight),
        new Param(embeddingNorm.bias), new FloatConst(eps), new Buf(embeddingOutput),
        new Buf(embeddingMean), new Buf(embeddingRstd), rows(1), new IntConst(h));
    int embeddingDropout = hiddenDropout(embeddingOutput, embeddingOutput);

    Buffer x = embeddingOutput;
    List<Layer> layers = new ArrayList<>();
    for (int l = 0; l < spec.layers(); l++) {
      Layer layer = layer(l, x);
      layers.add(layer);
      x = layer.output;
    }
    Buffer sequenceOutput = x;

    Heads heads = heads(sequenceOutput);

    if (heads.dSequence != null) {
      Buffer dOut = heads.dSequence;
      for (int l = spec.layers() - 1; l >= 0; l--) {
        dOut = layerBackward(layers.get(l), dOut);
      }
      if (embeddingDropout >= 0) {
        backward("dropoutBackward", "embeddings", new Buf(dOut), new Buf(dOut), rows(h),
            new FloatConst((float) spec.hiddenDropout()), new Seed(embeddingDropout));
      }
      Buffer dEmbeddingSum = tokens("dEmbeddingSum", h);
      backward("layerNormBackward", embeddingDropout >= 0 ? null : "embeddings", new Buf(dOut),
          new Buf(embeddingSum), new Buf(embeddingMean), new Buf(embeddingRstd),
          new Param(embeddingNorm.weight), new Buf(dEmbeddingSum), new Grad(embeddingNorm.weight),
          new Grad(embeddingNorm.bias), rows(1), new IntConst(h));
      backward("embeddingBackward", null, new Host("tokenIds"), rows(1), new Buf(dEmbeddingSum),
          new IntConst(h), new Grad(wordEmbeddings));
      backward("embeddingBackward", null, new Host("positionIds"), rows(1), new Buf(dEmbeddingSum),
          new IntConst(h), new Grad(positionEmbeddings));
      backward("embeddingBackward", null, new Host("segmentIds"), rows(1), new Buf(dEmbeddingSum),
          new IntConst(h), new Grad(segmentEmbeddings));
    }

    List<Buffer> outputs = new ArrayList<>();
    outputs.add(sequenceOutput);
    for (Buffer b : new Buffer[] {heads.pooled, heads.mlmLogits, heads.classLogits}) {
      if (b != null) {
        outputs.add(b);
      }
    }
    ArenaPlanner.Placement placement = ArenaPlanner.place(forward, backward, outputs);
    long perPosition = (long) spec.layers() * 2 * (qk + v);
    long fixed = (long) spec.layers() * (2L * h * (2 * qk + v) + 2L * v * h + 4L * h * spec.intermediate())
        + (spec.mlm() ? 2L * h * h + 2L * h * spec.vocab() : 0);
    return new Plan(spec, parameters, placement.buffers(), forward, backward,
        new Plan.OutputBuffers(sequenceOutput, heads.pooled, heads.mlmLogits, heads.classLogits),
        placement.widths().get(Extent.TOKENS), placement.widths().get(Extent.SEQUENCES),
        placement.widths().get(Extent.PAIRS), fixed, perPosition);
  }

  /** One block's parameters and the buffers its backward needs. */
  private record Layer(int index, Buffer input, Linear query, Linear key, Linear value,
      Linear attentionOutput, Norm attentionNorm, Linear intermediate, Linear outputDense,
      Norm outputNorm,
      Buffer q, Buffer k, Buffer val, Buffer probs, Buffer context, Buffer attentionSum,
      Buffer attentionMean, Buffer attentionRstd, Buffer attentionNormed, Buffer intermediatePre,
      Buffer intermediateOut, Buffer outputSum, Buffer outputMean, Buffer outputRstd, Buffer output,
      int attentionSeed, int attentionDropoutSeed, int outputDropoutSeed) {}

  private record Linear(Parameter weight, Parameter bias) {}

  private record Norm(Parameter weight, Parameter bias) {}

  private Layer layer(int l, Buffer x) {
    String hf = "encoder.layer." + l + ".";
    String f = "layer" + l;
    Linear query = linear(hf + "attention.self.query", f + "Query", qk, h);
    Linear key = linear(hf + "attention.self.key", f + "Key", qk, h);
    Linear value = linear(hf + "attention.self.value", f + "Value", v, h);
    Linear attentionOutput = linear(hf + "attention.output.dense", f + "AttentionOutput", h, v);
    Norm attentionNorm = norm(hf + "attention.output.LayerNorm", f + "AttentionNorm");
    Linear intermediate = linear(hf + "intermediate.dense", f + "Intermediate", spec.intermediate(), h);
    Linear output = linear(hf + "output.dense", f + "Output", h, spec.intermediate());
    Norm outputNorm = norm(hf + "output.LayerNorm", f + "OutputNorm");

    Buffer q = tokens(f + "Query", qk);
    Buffer k = tokens(f + "Key", qk);
    Buffer val = tokens(f + "Value", v);
    Buffer probs = new Buffer(f + "Probs", Extent.PAIRS, spec.heads(), -1);
    Buffer context = tokens(f + "Context", v);
    Buffer attentionSum = tokens(f + "AttentionSum", h);
    Buffer attentionMean = tokens(f + "AttentionMean", 1);
    Buffer attentionRstd = tokens(f + "AttentionRstd", 1);
    Buffer attentionNormed = tokens(f + "AttentionNormed", h);
    Buffer intermediatePre = tokens(f + "IntermediatePre", spec.intermediate());
    Buffer intermediateOut = tokens(f + "Intermediate", spec.intermediate());
    Buffer outputSum = tokens(f + "OutputSum", h);
    Buffer outputMean = tokens(f + "OutputMean", 1);
    Buffer outputRstd = tokens(f + "OutputRstd", 1);
    Buffer out = tokens(f + "Output", h);

    forwardLinear("layer " + l + ": self-attention", x, h, query, null, q, q, qk, h);
    forwardLinear(null, x, h, key, null, k, k, qk, h);
    forwardLinear(null, x, h, value, null, val, val, v, h);
    int attentionSeed = spec.attentionDropout() > 0 ? nextSeedSite++ : -1;
    forward("attention", null, shape(), new EnumConst(spec.mask()), new Host("tokenIds"),
        new Host("segmentIds"), new Buf(q), new Buf(k), new Buf(val), new Buf(probs), new Buf(context),
        new TrainingRate((float) spec.attentionDropout()), new Seed(attentionSeed));
    forwardLinear(null, context, v, attentionOutput, null, attentionSum, attentionSum, h, v);
    int attentionDropoutSeed = hiddenDropout(attentionSum, attentionSum);
    forward("layerNorm", "layer " + l + ": residual + layer norm", new Buf(attentionSum), new Buf(x),
        new Param(attentionNorm.weight), new Param(attentionNorm.bias), new FloatConst(eps),
        new Buf(attentionNormed), new Buf(attentionMean), new Buf(attentionRstd), rows(1),
        new IntConst(h));
    forwardLinear("layer " + l + ": feed-forward", attentionNormed, h, intermediate, spec.activation(),
        intermediatePre, intermediateOut, spec.intermediate(), h);
    forwardLinear(null, intermediateOut, spec.intermediate(), output, null, outputSum, outputSum, h,
        spec.intermediate());
    int outputDropoutSeed = hiddenDropout(outputSum, outputSum);
    forward("layerNorm", "layer " + l + ": residual + layer norm", new Buf(outputSum),
        new Buf(attentionNormed), new Param(outputNorm.weight), new Param(outputNorm.bias),
        new FloatConst(eps), new Buf(out), new Buf(outputMean), new Buf(outputRstd), rows(1),
        new IntConst(h));
    return new Layer(l, x, query, key, value, attentionOutput, attentionNorm, intermediate, output,
        outputNorm, q, k, val, probs, context, attentionSum, attentionMean, attentionRstd,
        attentionNormed, intermediatePre, intermediateOut, outputSum, outputMean, outputRstd, out,
        attentionSeed, attentionDropoutSeed, outputDropoutSeed);
  }

  /** Emits the backward of one block given the gradient of its output; returns its input's gradient. */
  private Buffer layerBackward(Layer layer, Buffer dOutput) {
    String f = "dLayer" + layer.index;
    int l = layer.index;
    Buffer dOutputSum = tokens(f + "OutputSum", h);
    backward("layerNormBackward", "layer " + l + ": feed-forward", new Buf(dOutput),
        new Buf(layer.outputSum), new Buf(layer.outputMean), new Buf(layer.outputRstd),
        new Param(layer.outputNorm.weight), new Buf(dOutputSum), new Grad(layer.outputNorm.weight),
        new Grad(layer.outputNorm.bias), rows(1), new IntConst(h));
    Buffer dOutputBranch = dropoutBackward(layer.outputDropoutSeed, dOutputSum,
        f + "OutputBranch");
    Buffer dIntermediate = tokens(f + "Intermediate", spec.intermediate());
    backwardLinear(dOutputBranch, layer.intermediateOut, spec.intermediate(), layer.outputDense,
        dIntermediate, false, h, spec.intermediate());
    backward("activationBackward", null, new EnumConst(spec.activation()),
        new Buf(layer.intermediatePre), new Buf(dIntermediate), new Buf(dIntermediate),
        rows(spec.intermediate()));
    backwardLinear(dIntermediate, layer.attentionNormed, h, layer.intermediate, dOutputSum, true,
        spec.intermediate(), h);

    Buffer dAttentionSum = tokens(f + "AttentionSum", h);
    backward("layerNormBackward", "layer " + l + ": self-attention", new Buf(dOutputSum),
        new Buf(layer.attentionSum), new Buf(layer.attentionMean), new Buf(layer.attentionRstd),
        new Param(layer.attentionNorm.weight), new Buf(dAttentionSum),
        new Grad(layer.attentionNorm.weight), new Grad(layer.attentionNorm.bias), rows(1),
        new IntConst(h));
    Buffer dAttentionBranch = dropoutBackward(layer.attentionDropoutSeed, dAttentionSum,
        f + "AttentionBranch");
    Buffer dContext = tokens(f + "Context", v);
    backwardLinear(dAttentionBranch, layer.context, v, layer.attentionOutput, dContext, false, h, v);
    Buffer dq = tokens(f + "Query", qk);
    Buffer dk = tokens(f + "Key", qk);
    Buffer dv = tokens(f + "Value", v);
    backward("attentionBackward", null, shape(), new EnumConst(spec.mask()), new Host("tokenIds"),
        new Host("segmentIds"), new Buf(layer.q), new Buf(layer.k),
        new Buf(layer.val), new Buf(layer.probs), new Buf(dContext), new Buf(dq), new Buf(dk),
        new Buf(dv), new FloatConst((float) spec.attentionDropout()),
        new Seed(layer.attentionSeed));
    backwardLinear(dq, layer.input, h, layer.query, dAttentionSum, true, qk, h);
    backwardLinear(dk, layer.input, h, layer.key, dAttentionSum, true, qk, h);
    backwardLinear(dv, layer.input, h, layer.value, dAttentionSum, true, v, h);
    return dAttentionSum;
  }

  /** The heads' forward and backward; the gradient of the sequence output (null when none trains). */
  private record Heads(Buffer pooled, Buffer mlmLogits, Buffer classLogits, Buffer dSequence) {}

  private Heads heads(Buffer sequence) {
    Buffer pooled = null;
    Buffer poolerPre = null;
    Linear pooler = null;
    if (spec.pooler()) {
      pooler = linear("pooler.dense", "pooler", h, h);
      poolerPre = sequences("poolerPre", h);
      pooled = sequences("pooledOutput", h);
      forwardLinear("pooler: [CLS] → dense → tanh", sequence, -1, pooler, Activation.TANH, poolerPre,
          pooled, h, h);
    }
    Linear transform = null;
    Norm mlmNorm = null;
    Parameter mlmBias = null;
    Buffer mlmPre = null;
    Buffer mlmActivated = null;
    Buffer mlmMean = null;
    Buffer mlmRstd = null;
    Buffer mlmNormed = null;
    Buffer mlmLogits = null;
    Buffer dMlmLogits = null;
    Parameter wordEmbeddings = parameters.get(0);
    if (spec.mlm()) {
      transform = linear("cls.predictions.transform.dense", "mlmTransform", h, h);
      mlmNorm = norm("cls.predictions.transform.LayerNorm", "mlmNorm");
      mlmBias = param("cls.predictions.bias", "mlmBias", spec.vocab());
      mlmPre = tokens("mlmPre", h);
      mlmActivated = tokens("mlmActivated", h);
      mlmMean = tokens("mlmMean", 1);
      mlmRstd = tokens("mlmRstd", 1);
      mlmNormed = tokens("mlmNormed", h);
      mlmLogits = tokens("mlmLogits", spec.vocab());
      forwardLinear("MLM head: dense → activation → layer norm → tied embedding", sequence, h,
          transform, spec.activation(), mlmPre, mlmActivated, h, h);
      forward("layerNorm", null, new Buf(mlmActivated), new None(), new Param(mlmNorm.weight),
          new Param(mlmNorm.bias), new FloatConst(eps), new Buf(mlmNormed), new Buf(mlmMean),
          new Buf(mlmRstd), rows(1), new IntConst(h));
      forward("linear", null, new Buf(mlmNormed), new IntConst(h), new Param(wordEmbeddings),
          new Param(mlmBias), new None(), new Buf(mlmLogits), new Buf(mlmLogits), rows(1),
          new IntConst(h), new IntConst(spec.vocab()));
      dMlmLogits = tokens("dMlmLogits", spec.vocab());
      forward(new Call("softmaxCrossEntropy", List.of(new Buf(mlmLogits), new Host("mlmTargets"),
          rows(1), new IntConst(spec.vocab()), new Buf(dMlmLogits), new LossScale("mlmLossScale")),
          "MLM loss: mean cross-entropy over the target positions", true, "mlmLossScale"));
    }
    Linear classifier = null;
    Buffer classLogits = null;
    Buffer dClassLogits = null;
    Buffer classInput = pooled != null ? pooled : sequence;
    int classStride = pooled != null ? h : -1;
    if (spec.classes() > 0) {
      classifier = linear("classifier", "classifier", spec.classes(), h);
      classLogits = sequences("classLogits", spec.classes());
      dClassLogits = sequences("dClassLogits", spec.classes());
      forwardLinear(pooled != null ? "classifier on the pooled output" : "classifier on [CLS]",
          classInput, classStride, classifier, null, classLogits, classLogits, spec.classes(), h);
      forward(new Call("softmaxCrossEntropy", List.of(new Buf(classLogits), new Host("labels"),
          new Dim(Extent.SEQUENCES, 1), new IntConst(spec.classes()), new Buf(dClassLogits),
          new LossScale("classLossScale")),
          "classification loss: mean cross-entropy over the batch", true, "classLossScale"));
    }

    Buffer dSequence = null;
    if (spec.mlm()) {
      Buffer dMlmNormed = tokens("dMlmNormed", h);
      backwardLinearWith("MLM head", dMlmLogits, mlmNormed, h, wordEmbeddings, mlmBias, dMlmNormed,
          false, spec.vocab(), h);
      Buffer dMlmActivated = tokens("dMlmActivated", h);
      backward("layerNormBackward", null, new Buf(dMlmNormed), new Buf(mlmActivated),
          new Buf(mlmMean), new Buf(mlmRstd), new Param(mlmNorm.weight), new Buf(dMlmActivated),
          new Grad(mlmNorm.weight), new Grad(mlmNorm.bias), rows(1), new IntConst(h));
      backward("activationBackward", null, new EnumConst(spec.activation()), new Buf(mlmPre),
          new Buf(dMlmActivated), new Buf(dMlmActivated), rows(h));
      dSequence = tokens("dSequenceOutput", h);
      backwardLinear(dMlmActivated, sequence, h, transform, dSequence, false, h, h);
    }
    if (spec.classes() > 0) {
      if (dSequence == null) {
        dSequence = tokens("dSequenceOutput", h);
        backward("fill", "the classifier reaches the sequence output at [CLS] only",
            new Buf(dSequence), rows(h), new FloatConst(0f));
      }
      if (pooled != null) {
        Buffer dPooled = sequences("dPooledOutput", h);
        backwardLinear(dClassLogits, pooled, h, classifier, dPooled, false, spec.classes(), h);
        backward("activationBackward", "pooler", new EnumConst(Activation.TANH), new Buf(poolerPre),
            new Buf(dPooled), new Buf(dPooled), new Dim(Extent.SEQUENCES, h));
        backwardLinear(dPooled, sequence, -1, pooler, dSequence, true, h, h);
      } else {
        backwardLinear(dClassLogits, sequence, -1, classifier, dSequence, true, spec.classes(), h);
      }
    }
    return new Heads(pooled, mlmLogits, classLogits, dSequence);
  }

  private int hiddenDropout(Buffer in, Buffer out) {
    if (spec.hiddenDropout() <= 0) {
      return -1;
    }
    int site = nextSeedSite++;
    forward(new Call("dropout", List.of(new Buf(in), new Buf(out), rows(h),
        new FloatConst((float) spec.hiddenDropout()), new Seed(site)), null, true, null));
    return site;
  }

  private Buffer dropoutBackward(int site, Buffer dIn, String name) {
    if (site < 0) {
      return dIn;
    }
    Buffer dOut = tokens(name, h);
    backward("dropoutBackward", null, new Buf(dIn), new Buf(dOut), rows(h),
        new FloatConst((float) spec.hiddenDropout()), new Seed(site));
    return dOut;
  }

  /** x with stride −1 means the [CLS] rows: one row per sequence, stride seq × width. */
  private void forwardLinear(String comment, Buffer x, int xStride, Linear layer, Activation act,
      Buffer pre, Buffer out, int outWidth, int in) {
    Extent rowsOf = xStride < 0 ? Extent.SEQUENCES : x.extent();
    forward("linear", comment, new Buf(x), stride(xStride, in), new Param(layer.weight),
        new Param(layer.bias), act == null ? new None() : new EnumConst(act), new Buf(pre),
        new Buf(out), new Dim(rowsOf, 1), new IntConst(in), new IntConst(outWidth));
  }

  private void backwardLinear(Buffer dPre, Buffer x, int xStride, Linear layer, Buffer dx,
      boolean accumulate, int outWidth, int in) {
    backwardLinearWith(null, dPre, x, xStride, layer.weight, layer.bias, dx, accumulate, outWidth, in);
  }

  private void backwardLinearWith(String comment, Buffer dPre, Buffer x, int xStride, Parameter weight,
      Parameter bias, Buffer dx, boolean accumulate, int outWidth, int in) {
    Extent rowsOf = xStride < 0 ? Extent.SEQUENCES : x.extent();
    backward("linearBackward", comment, new Buf(dPre), new Buf(x), stride(xStride, in),
        new Param(weight), new Buf(dx), stride(xStride, in), new BoolConst(accumulate),
        new Grad(weight), new Grad(bias), new Dim(rowsOf, 1), new IntConst(in),
        new IntConst(outWidth));
  }

  private static Arg stride(int xStride, int width) {
    return xStride < 0 ? new ClsStride(width) : new IntConst(xStride);
  }

  private Shape shape() {
    float scale = spec.attentionScale() ? (float) (1 / Math.sqrt(spec.keySize())) : 1f;
    return new Shape(spec.heads(), spec.keySize(), spec.headSize(), scale);
  }

  private static Dim rows(long factor) {
    return new Dim(Extent.TOKENS, factor);
  }

  private static Buffer tokens(String name, int width) {
    return new Buffer(name, Extent.TOKENS, width, -1);
  }

  private static Buffer sequences(String name, int width) {
    return new Buffer(name, Extent.SEQUENCES, width, -1);
  }

  private Linear linear(String hfPrefix, String field, int out, int in) {
    return new Linear(param(hfPrefix + ".weight", field + "Weight", out, in),
        param(hfPrefix + ".bias", field + "Bias", out));
  }

  private Norm norm(String hfPrefix, String field) {
    return new Norm(param(hfPrefix + ".weight", field + "Weight", h),
        param(hfPrefix + ".bias", field + "Bias", h));
  }

  private Parameter param(String name, String field, int... shape) {
    Parameter p = new Parameter(name, field, shape, nextOffset);
    parameters.add(p);
    nextOffset += p.size();
    return p;
  }

  private void forward(String kernel, String comment, Arg... args) {
    forward(new Call(kernel, List.of(args), comment, false, null));
  }

  private void forward(Call call) {
    forward.add(call);
  }

  private void backward(String kernel, String comment, Arg... args) {
    backward.add(new Call(kernel, List.of(args), comment, false, null));
  }
}
