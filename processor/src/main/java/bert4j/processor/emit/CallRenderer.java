package bert4j.processor.emit;

import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Call;
import bert4j.processor.plan.Extent;
import bert4j.processor.plan.Parameter;
import bert4j.processor.plan.Plan;
import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;

/**
 * Writes one kernel call as a Java statement, for the model's own methods ({@code layer} = −1: layer
 * buffers and parameters are reached through {@code layers[l]}) or for the methods of the generated
 * {@code Layer} class of layer {@code layer} (its own slices by name, its input through its ports, the
 * seed sites as {@code first + perLayer × index}; the decoding pass's input as {@code decodeInput}).
 */
final class CallRenderer {
  private static final ClassName SHAPE = ClassName.get("bert4j.runtime.kernels", "AttentionShape");

  private final int layer;
  private final Plan.LayerPorts ports;
  private final int seedsPerLayer;
  private final String input;

  private CallRenderer(int layer, Plan.LayerPorts ports, int seedsPerLayer, String input) {
    this.layer = layer;
    this.ports = ports;
    this.seedsPerLayer = seedsPerLayer;
    this.input = input;
  }

  /** For the model's methods. */
  static CallRenderer model() {
    return new CallRenderer(Buffer.GLOBAL, null, 0, null);
  }

  /** For the Layer class, as seen from layer {@code ports.index()}. */
  static CallRenderer layer(Plan.LayerPorts ports, int seedsPerLayer) {
    return new CallRenderer(ports.index(), ports, seedsPerLayer, "input");
  }

  /** For the Layer class's decoding pass, as seen from layer {@code ports.index()}. */
  static CallRenderer decodingLayer(Plan.LayerPorts ports) {
    return new CallRenderer(ports.index(), ports, 0, "decodeInput");
  }

  /** {@code kernels.name(args)}, the loss added where the call returns one. */
  CodeBlock statement(Call call) {
    CodeBlock.Builder args = CodeBlock.builder();
    for (int i = 0; i < call.args().size(); i++) {
      args.add(i == 0 ? "" : ",$W").add(arg(call.args().get(i)));
    }
    return call.loss() >= 0
        ? CodeBlock.of("loss += kernels.$L($L) * lossScale($L)", call.kernel(), args.build(), call.loss())
        : CodeBlock.of("kernels.$L($L)", call.kernel(), args.build());
  }

  CodeBlock buffer(Buffer b) {
    if (layer == Buffer.GLOBAL) {
      return b.layer() == Buffer.GLOBAL ? CodeBlock.of("$N", b.name())
          : CodeBlock.of("layers[$L].$N", b.layer(), b.name());
    }
    if (b.layer() == layer || b.layer() == Buffer.GLOBAL && !isPort(b)) {
      return CodeBlock.of("$N", b.name());
    }
    if (b.equals(ports.input())) {
      return CodeBlock.of("$N", input);
    }
    if (b.equals(ports.inputGradient())) {
      return CodeBlock.of("inputGrad");
    }
    throw new IllegalStateException("layer " + layer + " uses " + b.id()
        + ", which is neither its own nor its input");
  }

  private boolean isPort(Buffer b) {
    return b.equals(ports.input()) || b.equals(ports.inputGradient());
  }

  private CodeBlock parameter(Parameter p, String field) {
    if (layer == Buffer.GLOBAL && p.layer() != Buffer.GLOBAL) {
      return CodeBlock.of("layers[$L].$N", p.layer(), field);
    }
    if (layer != Buffer.GLOBAL && p.layer() != Buffer.GLOBAL && p.layer() != layer) {
      throw new IllegalStateException("layer " + layer + " uses parameter " + p.name());
    }
    return CodeBlock.of("$N", field);
  }

  private CodeBlock arg(Arg arg) {
    if (arg instanceof Arg.Buf b) {
      return buffer(b.buffer());
    } else if (arg instanceof Arg.Param p) {
      return parameter(p.parameter(), p.parameter().field());
    } else if (arg instanceof Arg.Grad g) {
      return parameter(g.parameter(), g.parameter().gradField());
    } else if (arg instanceof Arg.Dim d) {
      return d.factor() == 1 ? CodeBlock.of("$L", size(d.extent()))
          : CodeBlock.of("$L * $L", size(d.extent()), d.factor());
    } else if (arg instanceof Arg.IntConst i) {
      return CodeBlock.of("$L", i.value());
    } else if (arg instanceof Arg.FloatConst f) {
      return CodeBlock.of("$Lf", f.value());
    } else if (arg instanceof Arg.BoolConst b) {
      return CodeBlock.of("$L", b.value());
    } else if (arg instanceof Arg.EnumConst e) {
      return CodeBlock.of("$T.$L",
          ClassName.get("bert4j.dsl", e.value().getDeclaringClass().getSimpleName()), e.value().name());
    } else if (arg instanceof Arg.None) {
      return CodeBlock.of("null");
    } else if (arg instanceof Arg.Host h) {
      return CodeBlock.of("$L", h.name());
    } else if (arg instanceof Arg.HostFloats h) {
      return CodeBlock.of("$L", h.name());
    } else if (arg instanceof Arg.Targets t) {
      return CodeBlock.of("targets($L)", t.loss());
    } else if (arg instanceof Arg.LossScale l) {
      return CodeBlock.of("lossScale($L)", l.loss());
    } else if (arg instanceof Arg.Seed s) {
      return seed(s.site());
    } else if (arg instanceof Arg.TrainingRate r) {
      return r.rate() > 0 ? CodeBlock.of("training ? $Lf : 0.0f", r.rate()) : CodeBlock.of("0.0f");
    } else if (arg instanceof Arg.Batch) {
      return CodeBlock.of("batch");
    } else if (arg instanceof Arg.SeqLength) {
      return CodeBlock.of("seq");
    } else if (arg instanceof Arg.ClsStride c) {
      return CodeBlock.of("seq * $L", c.width());
    } else if (arg instanceof Arg.Cache c) {
      return CodeBlock.of(c.values() ? "valueCache(index)" : "keyCache(index)");
    } else if (arg instanceof Arg.CacheIds c) {
      return CodeBlock.of(c.segments() ? "cacheSegments()" : "cacheTokens()");
    } else if (arg instanceof Arg.CacheAt c) {
      return CodeBlock.of(c.values() ? "valueCache($L)" : "keyCache($L)", c.layer());
    } else if (arg instanceof Arg.EncodedLength) {
      return CodeBlock.of("encodedLength()");
    } else if (arg instanceof Arg.CacheLength) {
      return CodeBlock.of("maxLength()");
    } else if (arg instanceof Arg.Shape s) {
      return CodeBlock.of("new $T(batch, seq, $L, $L, $L, $Lf)", SHAPE, s.heads(), s.keySize(),
          s.headSize(), s.scale());
    }
    throw new IllegalArgumentException("no emission for " + arg);
  }

  private CodeBlock seed(int site) {
    if (site < 0) {
      return CodeBlock.of("0L");
    }
    if (layer == Buffer.GLOBAL) {
      return CodeBlock.of("seed($L)", site);
    }
    return CodeBlock.of("seed($L + $L * index)", site - seedsPerLayer * layer, seedsPerLayer);
  }

  private static String size(Extent extent) {
    return switch (extent) {
      case TOKENS -> "rows";
      case SEQUENCES -> "batch";
      case PAIRS -> "rows * seq";
    };
  }
}
