package bert4j.processor.spec;

import bert4j.dsl.Activation;
import bert4j.dsl.Architecture;
import bert4j.dsl.Convention;
import bert4j.dsl.Mask;
import bert4j.dsl.Normalization;
import bert4j.dsl.Objective;
import bert4j.dsl.Position;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.lang.model.SourceVersion;
import javax.annotation.processing.Messager;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;
import javax.tools.Diagnostic;

/**
 * Stage 1 of the processor: reads the bert4j annotations of one interface into a {@link ModelSpec},
 * filling defaults and reporting every problem on the annotation value that caused it. Returns empty
 * when anything was reported.
 */
public final class SpecReader {
  private static final String DSL = "bert4j.dsl.";
  private static final String MODEL = "bert4j.runtime.TransformerModel";

  private final Elements elements;
  private final Types types;
  private final Messager messager;

  public SpecReader(Elements elements, Types types, Messager messager) {
    this.elements = elements;
    this.types = types;
    this.messager = messager;
  }

  public Optional<ModelSpec> read(TypeElement type) {
    AnnotationValues transformer = values(type, "Transformer");
    if (transformer == null) {
      for (String other : new String[] {"Attention", "Heads", "Optimizer"}) {
        if (mirror(type, other) != null) {
          messager.printMessage(Diagnostic.Kind.ERROR,
              "@" + other + " needs @Transformer on the same interface", type, mirror(type, other));
        }
      }
      return Optional.empty();
    }
    boolean typeOk = checkType(type);
    AnnotationValues attention = values(type, "Attention");
    AnnotationValues heads = values(type, "Heads");
    AnnotationValues optimizer = values(type, "Optimizer");

    int layers = positive(transformer, "layers");
    int hidden = positive(transformer, "hidden");
    int heads_ = positive(transformer, "heads");
    int intermediate = positive(transformer, "intermediate");
    int vocab = positive(transformer, "vocab");
    int maxPosition = positive(transformer, "maxPosition");
    int segments = positive(transformer, "segments");
    Architecture architecture = transformer.enumValue("architecture", Architecture.class);
    boolean t5 = architecture.encoderDecoder();
    boolean keySizeSet = attention != null && attention.isSet("keySize");
    if (hidden > 0 && heads_ > 0 && hidden % heads_ != 0 && !(t5 && keySizeSet)) {
      transformer.error("hidden", "hidden=" + hidden + " is not divisible by heads=" + heads_
          + (t5 ? " (T5's heads have their own width d_kv: set @Attention(keySize = d_kv))" : ""));
    }
    int embeddingSize = hidden;
    int declaredEmbeddingSize = transformer.intValue("embeddingSize");
    if (declaredEmbeddingSize < 0) {
      transformer.error("embeddingSize", "embeddingSize=" + declaredEmbeddingSize
          + " must be positive, or 0 for hidden");
    } else if (declaredEmbeddingSize > 0) {
      if (!architecture.factorizesEmbeddings() && declaredEmbeddingSize != hidden) {
        transformer.error("embeddingSize", "embeddingSize=" + declaredEmbeddingSize + " is a "
            + "factorized embedding, which " + architecture + " does not have (ALBERT, "
            + "ALBERT_UNSHARED, ELECTRA and ROFORMER do)");
      }
      embeddingSize = declaredEmbeddingSize;
    }
    if ((architecture.causal() || t5) && transformer.isSet("segments")) {
      transformer.error("segments", architecture + " has no segment embedding: drop segments");
    }
    if (architecture.causal() || t5) {
      segments = 0;
    }
    Position position = transformer.enumValue("position", Position.class);
    if (position == Position.DEFAULT) {
      position = architecture.defaultPosition();
    }
    if (t5 && position != Position.T5_RELATIVE) {
      transformer.error("position", architecture + " biases its attention by T5's relative "
          + "positions: position=" + position + " is not for it (leave position)");
    } else if (!t5 && position == Position.T5_RELATIVE) {
      transformer.error("position", "position=T5_RELATIVE is T5's (architecture T5 or T5_1_1), not "
          + architecture + "'s");
    }
    Convention convention = transformer.enumValue("convention", Convention.class);
    if (convention != Convention.HUGGING_FACE && !t5) {
      transformer.error("convention", "convention=" + convention + " changes how T5 computes; "
          + architecture + " computes the same under both");
    }
    if (t5 && transformer.booleanValue("recompute")) {
      transformer.error("recompute", "recompute is not supported for " + architecture + " yet");
    }
    int conditionSize = transformer.intValue("conditionSize");
    if (conditionSize < 0) {
      transformer.error("conditionSize", "conditionSize=" + conditionSize
          + " must be positive, or 0 for plain layer norms");
    } else if (conditionSize > 0 && architecture == Architecture.ROFORMER_V2) {
      transformer.error("conditionSize", "ROFORMER_V2's norms have no γ or β to condition");
    } else if (conditionSize > 0 && t5) {
      transformer.error("conditionSize", "conditional layer norms are not supported for "
          + architecture);
    }
    Activation activation = transformer.enumValue("activation", Activation.class);
    if (t5 && !transformer.isSet("activation")) {
      activation = architecture == Architecture.T5 ? Activation.RELU
          : convention == Convention.BERT4KERAS ? Activation.GELU : Activation.GELU_TANH;
    }
    if (activation == Activation.TANH) {
      transformer.error("activation",
          "activation=TANH is the pooler's; the feed-forward block takes GELU, GELU_TANH, RELU or SWISH");
    }
    double hiddenDropout = dropout(transformer, "hiddenDropout");
    double eps = transformer.doubleValue("layerNormEps");
    if (eps == 0) {
      eps = architecture.defaultLayerNormEps();
    } else if (!(eps > 0) || Double.isInfinite(eps)) {
      transformer.error("layerNormEps", "layerNormEps=" + eps
          + " must be positive and finite, or 0 for the architecture's");
    }
    double initializerRange = transformer.doubleValue("initializerRange");
    if (!(initializerRange > 0) || Double.isInfinite(initializerRange)) {
      transformer.error("initializerRange",
          "initializerRange=" + initializerRange + " must be positive and finite");
    }

    Mask mask = architecture.causal() ? Mask.LM : Mask.NONE;
    double attentionDropout = 0.1;
    int keySize = hidden > 0 && heads_ > 0 ? hidden / heads_ : 0;
    boolean scale = true;
    Normalization normalization = Normalization.SOFTMAX;
    boolean attentionBias = true;
    boolean talkingHeads = false;
    if (attention != null) {
      if (attention.isSet("mask")) {
        mask = attention.enumValue("mask", Mask.class);
      }
      if (mask == Mask.UNILM && segments < 2 && !architecture.causal()) {
        attention.error("mask", "mask=UNILM needs segments >= 2 (source and target), got segments="
            + segments);
      }
      if (architecture.causal() && mask != Mask.LM) {
        attention.error("mask", architecture + " is a causal language model: its mask is LM, not "
            + mask);
      }
      if (t5 && mask != Mask.NONE) {
        attention.error("mask", "the mask of " + architecture + " is its encoder's, and its encoder "
            + "is bidirectional (its decoder is causal by construction): mask=" + mask
            + " is not for it");
      }
      if (architecture == Architecture.ELECTRA && mask != Mask.NONE) {
        attention.error("mask", "ELECTRA is a bidirectional encoder (its discriminator sees every "
            + "token): mask=" + mask + " is not for it");
      }
      attentionDropout = dropout(attention, "dropout");
      int declaredKeySize = attention.intValue("keySize");
      if (declaredKeySize < 0) {
        attention.error("keySize", "keySize=" + declaredKeySize
            + " must be positive, or 0 for hidden/heads");
      } else if (declaredKeySize > 0) {
        keySize = declaredKeySize;
        if (architecture.causal() && keySize != hidden / heads_) {
          attention.error("keySize", architecture + "'s fused attn.c_attn holds q, k and v of equal "
              + "width: keySize=" + keySize + " must be hidden/heads=" + hidden / heads_);
        }
      }
      scale = attention.booleanValue("scale");
      normalization = attention.enumValue("normalization", Normalization.class);
      attentionBias = attention.booleanValue("useBias");
      talkingHeads = attention.booleanValue("talkingHeads");
      if (t5) {
        for (String option : new String[] {"scale", "useBias", "talkingHeads", "normalization"}) {
          if (attention.isSet(option)) {
            attention.error(option, architecture + "'s attention is fixed (unscaled softmax, no "
                + "biases): drop " + option);
          }
        }
      }
      if (talkingHeads && heads_ < 2) {
        attention.error("talkingHeads", "talking heads mix the heads: they need heads >= 2, got heads="
            + heads_);
      }
    }
    int maxRelativePosition = transformer.intValue("maxRelativePosition");
    if (transformer.isSet("maxRelativePosition") && position != Position.TYPICAL_RELATIVE) {
      transformer.error("maxRelativePosition", "maxRelativePosition clips TYPICAL_RELATIVE positions "
          + "(NEZHA's), and this spec's positions are " + position);
    } else if (maxRelativePosition <= 0) {
      transformer.error("maxRelativePosition", "maxRelativePosition=" + maxRelativePosition
          + " must be positive");
    }
    if (position == Position.TYPICAL_RELATIVE && heads_ > 0
        && (keySize % 2 != 0 || hidden / heads_ % 2 != 0)) {
      transformer.error(transformer.isSet("position") ? "position" : "heads", "typical relative "
          + "positions are sine/cosine pairs: the key size " + keySize + " and the head size "
          + hidden / heads_ + " must be even");
    }
    if (position == Position.ROTARY && keySize % 2 != 0) {
      String message = "rotary positions turn pairs of q and k: the key size " + keySize
          + " must be even";
      if (attention != null && attention.isSet("keySize")) {
        attention.error("keySize", message);
      } else {
        transformer.error(transformer.isSet("position") ? "position" : "heads", message);
      }
    }

    if (t5) {
      scale = false;
      attentionBias = false;
    }
    boolean recompute = transformer.booleanValue("recompute");
    boolean pooler = false;
    boolean mlm = false;
    Objective objective = Objective.BY_MASK;
    int classes = 0;
    int tokenClasses = 0;
    boolean discriminator = false;
    int crf = 0;
    int memm = 0;
    List<SpanHeadSpec> spans = List.of();
    if (heads != null) {
      pooler = heads.booleanValue("pooler");
      if (pooler && (architecture.causal() || architecture == Architecture.ELECTRA)) {
        heads.error("pooler", architecture + " has no pooler: classify from the first token "
            + "(classes without pooler)");
      }
      mlm = heads.booleanValue("mlm");
      if (mlm && architecture == Architecture.ELECTRA) {
        heads.error("mlm", "ELECTRA's MLM head belongs to its generator, a separate model: train the "
            + "discriminator (discriminator = true), or declare the generator as BERT");
      }
      classes = heads.intValue("classes");
      if (classes == 1 || classes < 0) {
        heads.error("classes", "a classification head needs at least 2 classes (or 0 for none), got classes="
            + classes);
      }
      tokenClasses = heads.intValue("tokenClasses");
      if (tokenClasses == 1 || tokenClasses < 0) {
        heads.error("tokenClasses", "a token-classification head needs at least 2 classes (or 0 for "
            + "none), got tokenClasses=" + tokenClasses);
      }
      discriminator = heads.booleanValue("discriminator");
      if (discriminator && architecture != Architecture.ELECTRA) {
        heads.error("discriminator", "the replaced-token discriminator is ELECTRA's: " + architecture
            + " has none");
      }
      if (discriminator && tokenClasses > 0) {
        heads.error("tokenClasses", "tokenClasses=" + tokenClasses + " and the discriminator both "
            + "train on Batch.tokenLabels: drop one head");
      }
      crf = tags(heads, "crf", "a CRF head");
      memm = tags(heads, "memm", "an MEMM head");
      if (crf > 0 && memm > 0) {
        heads.error("memm", "crf=" + crf + " and memm=" + memm + " are two sequence-labelling heads "
            + "on the same Batch.tokenLabels: choose one");
      }
      spans = spanHeads(heads);
      objective = heads.enumValue("objective", Objective.class);
      if (t5) {
        for (String head : new String[] {"pooler", "classes", "tokenClasses", "crf", "memm", "spans",
            "objective"}) {
          if (heads.isSet(head)) {
            heads.error(head, architecture + " has one head, the LM head on its decoder (mlm = true, "
                + "trained on the decoder's labels): drop " + head);
          }
        }
      }
      if (objective != Objective.BY_MASK && !mlm) {
        heads.error("objective", "objective=" + objective + " is the MLM head's loss: declare mlm = true");
      }
    }
    Objective resolved = objective != Objective.BY_MASK ? objective : switch (mask) {
      case NONE -> Objective.MASKED_LM;
      case LM -> Objective.NEXT_TOKEN;
      case UNILM -> Objective.NEXT_TARGET_TOKEN;
    };
    if (heads != null && mlm && mask == Mask.NONE && resolved != Objective.MASKED_LM) {
      heads.error("objective", "objective=" + resolved + " with mask=NONE lets every position see "
          + "the token it predicts: use @Attention(mask = LM or UNILM)");
    }
    if (heads != null && mlm && resolved == Objective.NEXT_TARGET_TOKEN && segments < 2) {
      heads.error("objective", "objective=NEXT_TARGET_TOKEN counts the tokens of segment 1: it needs "
          + "segments >= 2, got segments=" + segments);
    }
    if (heads != null && mlm && resolved == Objective.MASKED_LM && tokenClasses > 0) {
      heads.error("tokenClasses", "tokenClasses=" + tokenClasses + " and the masked-LM head both "
          + "train on Batch.tokenLabels: give the MLM head another objective or drop one head");
    }

    if (heads != null && (crf > 0 || memm > 0)) {
      String name = crf > 0 ? "crf" : "memm";
      String other = tokenClasses > 0 ? "tokenClasses=" + tokenClasses
          : discriminator ? "the discriminator"
          : mlm && resolved == Objective.MASKED_LM ? "the masked-LM head" : null;
      if (other != null) {
        heads.error(name, name + "=" + (crf > 0 ? crf : memm) + " and " + other + " both train on "
            + "Batch.tokenLabels: drop one head"
            + (other.startsWith("the masked") ? " or give the MLM head another objective" : ""));
      }
    }

    OptimizerSpec optimizerSpec =
        optimizer == null ? OptimizerSpec.defaults() : OptimizerSpecReader.read(optimizer);

    boolean failed = !typeOk || transformer.failed() || (attention != null && attention.failed())
        || (heads != null && heads.failed()) || (optimizer != null && optimizer.failed());
    if (failed) {
      return Optional.empty();
    }
    PackageElement pkg = elements.getPackageOf(type);
    return Optional.of(new ModelSpec(
        pkg.isUnnamed() ? "" : pkg.getQualifiedName().toString(),
        type.getSimpleName().toString(),
        architecture, layers, hidden, heads_, intermediate, vocab, embeddingSize, maxPosition,
        segments, Math.max(conditionSize, 0), position, activation, hiddenDropout, eps, initializerRange, recompute, mask,
        attentionDropout, keySize, scale, normalization, attentionBias, talkingHeads,
        maxRelativePosition, pooler, mlm, resolved, classes, tokenClasses, discriminator, crf, memm,
        spans, optimizerSpec, convention));
  }

  /**
   * The span heads of {@code @Heads(spans = ...)}: each name a Java identifier used once, at least one
   * type, a positive head size, even under RoPE; errors point at the nested annotation's value.
   */
  private static List<SpanHeadSpec> spanHeads(AnnotationValues heads) {
    List<SpanHeadSpec> spans = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (AnnotationValues span : heads.annotations("spans")) {
      String name = span.string("name");
      if (!SourceVersion.isName(name)) {
        span.error("name", "span head name \"" + name + "\" is not a Java identifier: it names the "
            + "output accessor " + name + "Scores() and the parameters span_heads." + name + ".*");
      } else if (!names.add(name)) {
        span.error("name", "two span heads are named \"" + name + "\": each needs its own name "
            + "(its parameters, output and targets go by it)");
      }
      int types = span.intValue("types");
      if (types < 1) {
        span.error("types", "span head \"" + name + "\" needs at least 1 type, got types=" + types);
      }
      int headSize = span.intValue("headSize");
      boolean rope = span.booleanValue("rope");
      if (headSize < 1) {
        span.error("headSize", "span head \"" + name + "\" needs headSize >= 1, got " + headSize);
      } else if (rope && headSize % 2 != 0) {
        span.error("headSize", "span head \"" + name + "\" turns pairs of q and k values by RoPE: "
            + "headSize must be even, got " + headSize + " (or rope = false)");
      }
      spans.add(new SpanHeadSpec(name, types, headSize, rope, span.booleanValue("tril"),
          span.booleanValue("useBias"), span.booleanValue("efficient")));
    }
    return List.copyOf(spans);
  }

  /** A sequence-labelling head's tag count: 0 for none, otherwise at least 2 (else an error). */
  private static int tags(AnnotationValues heads, String name, String head) {
    int tags = heads.intValue(name);
    if (tags == 1 || tags < 0) {
      heads.error(name, head + " needs at least 2 tags (or 0 for none), got " + name + "=" + tags);
    }
    return tags;
  }

  private boolean checkType(TypeElement type) {
    boolean ok = true;
    if (type.getKind() != ElementKind.INTERFACE) {
      String kind = type.getKind().toString().toLowerCase().replace('_', ' ');
      error(type, "@Transformer goes on an interface; " + type.getSimpleName()
          + (kind.matches("[aeiou].*") ? " is an " : " is a ") + kind);
      return false;
    }
    if (type.getNestingKind() != NestingKind.TOP_LEVEL) {
      error(type, "@Transformer interface " + type.getSimpleName()
          + " must be top-level: the generated class goes beside it in its package");
      ok = false;
    }
    if (!type.getTypeParameters().isEmpty()) {
      error(type, "@Transformer interface " + type.getSimpleName() + " must not be generic");
      ok = false;
    }
    // The generated class implements what TransformerModel declares (its base class does) and nothing
    // else: any other abstract method, declared here or inherited, would fail to compile in the
    // generated file, far from its cause. Report it on the method, or on the interface that inherits it.
    List<ExecutableElement> implemented = implementedByGeneratedClass();
    for (ExecutableElement method : ElementFilter.methodsIn(elements.getAllMembers(type))) {
      if (!method.getModifiers().contains(Modifier.ABSTRACT) || implemented(method, implemented)) {
        continue;
      }
      TypeElement owner = (TypeElement) method.getEnclosingElement();
      if (owner.equals(type)) {
        error(method, "bert4j implements the methods of " + MODEL + " only; "
            + "make " + method.getSimpleName() + "() a default method");
      } else {
        error(type, "bert4j implements the methods of " + MODEL + " only; " + type.getSimpleName()
            + " inherits the abstract " + method.getSimpleName() + "() of " + owner.getQualifiedName()
            + ": give it a default method in " + type.getSimpleName() + " or drop that supertype");
      }
      ok = false;
    }
    return ok;
  }

  /** The methods of TransformerModel and Object: what every generated class has. */
  private List<ExecutableElement> implementedByGeneratedClass() {
    List<ExecutableElement> methods = new ArrayList<>();
    for (String name : new String[] {MODEL, "java.lang.Object"}) {
      TypeElement t = elements.getTypeElement(name);
      if (t != null) {
        methods.addAll(ElementFilter.methodsIn(elements.getAllMembers(t)));
      }
    }
    return methods;
  }

  /** Whether one of {@code implemented} has {@code method}'s name and parameter types. */
  private boolean implemented(ExecutableElement method, List<ExecutableElement> implemented) {
    for (ExecutableElement m : implemented) {
      if (m.getSimpleName().equals(method.getSimpleName())
          && m.getParameters().size() == method.getParameters().size()) {
        boolean same = true;
        for (int i = 0; i < m.getParameters().size() && same; i++) {
          same = types.isSameType(types.erasure(m.getParameters().get(i).asType()),
              types.erasure(method.getParameters().get(i).asType()));
        }
        if (same) {
          return true;
        }
      }
    }
    return false;
  }

  private int positive(AnnotationValues values, String name) {
    int value = values.intValue(name);
    if (value <= 0) {
      values.error(name, name + "=" + value + " must be positive");
    }
    return value;
  }

  private double dropout(AnnotationValues values, String name) {
    double value = values.doubleValue(name);
    if (!(value >= 0 && value < 1)) {
      values.error(name, name + "=" + value + " must be in [0, 1)");
    }
    return value;
  }

  private AnnotationValues values(Element element, String simpleName) {
    AnnotationMirror mirror = mirror(element, simpleName);
    return mirror == null ? null : new AnnotationValues(element, mirror, elements, messager);
  }

  private static AnnotationMirror mirror(Element element, String simpleName) {
    for (AnnotationMirror mirror : element.getAnnotationMirrors()) {
      TypeElement annotation = (TypeElement) mirror.getAnnotationType().asElement();
      if (annotation.getQualifiedName().contentEquals(DSL + simpleName)) {
        return mirror;
      }
    }
    return null;
  }

  private void error(Element element, String message) {
    messager.printMessage(Diagnostic.Kind.ERROR, message, element);
  }
}
