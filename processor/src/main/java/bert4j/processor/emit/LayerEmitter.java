package bert4j.processor.emit;

import bert4j.processor.plan.Arg;
import bert4j.processor.plan.Buffer;
import bert4j.processor.plan.Call;
import bert4j.processor.plan.Column;
import bert4j.processor.plan.Parameter;
import bert4j.processor.plan.Plan;
import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import javax.lang.model.element.Modifier;

/**
 * Writes the generated model's inner class {@code Layer}: the slices of one layer (parameters at
 * {@code first + index × stride}, buffers at their arena columns, those of the inference arena in a
 * model created for inference, the input through {@code connect}) and
 * its {@code forward} and {@code backward}, written once from layer 0's calls; where the spec decodes,
 * also its {@code decode} (the incremental decoding pass, with buffers and an input of its own). Every
 * layer's calls must be layer 0's with its own slices; anything else is a planner bug, reported here.
 */
final class LayerEmitter {
  static final ClassName SLICE = ClassName.get("bert4j.runtime.kernels", "Slice");

  private final Plan plan;
  private final ClassName layerClass;
  private final int seedsPerLayer;
  private final long parameterStride;

  LayerEmitter(Plan plan, ClassName layerClass) {
    this.plan = plan;
    this.layerClass = layerClass;
    this.seedsPerLayer = (int) plan.forward().stream().filter(c -> c.layer() == 0)
        .flatMap(c -> c.args().stream())
        .filter(a -> a instanceof Arg.Seed s && s.site() >= 0).map(a -> ((Arg.Seed) a).site())
        .distinct().count();
    this.parameterStride = plan.spec().layers() < 2 || parameters().isEmpty() ? 0
        : first(1).offset() - first(0).offset();
    check();
  }

  /** Whether the layers decode in this class (T5's decoder decodes outside the layers). */
  boolean layeredDecoding() {
    return plan.decode() != null && plan.decode().layered();
  }

  /** The first parameter of layer {@code l}. */
  private Parameter first(int l) {
    return plan.parameters().stream().filter(p -> p.layer() == l).findFirst()
        .orElseThrow(() -> new IllegalStateException("layer " + l + " has no parameters"));
  }

  /**
   * Layer 0's parameters, in flat-buffer order; none where every layer shares the model's (ALBERT:
   * the Layer class then reads the model's fields).
   */
  List<Parameter> parameters() {
    return plan.parameters().stream().filter(p -> p.layer() == 0).toList();
  }

  /** Layer {@code l}'s parameters and the views of them, in declaration order. */
  private List<Parameter> slices(int l) {
    return Stream.concat(plan.parameters().stream(), plan.views().stream())
        .filter(p -> p.layer() == l).toList();
  }

  /** The offset of layer 0's first parameter, and how far each layer's parameters follow. */
  long firstOffset() {
    return first(0).offset();
  }

  long parameterStride() {
    return parameterStride;
  }

  private List<Buffer> buffers(int l) {
    return buffers(l, plan.timeline());
  }

  /** Layer {@code l}'s buffers of the decoding pass. */
  private List<Buffer> decodeBuffers(int l) {
    return buffers(l, plan.decode().calls());
  }

  private static List<Buffer> buffers(int l, List<Call> calls) {
    Set<Buffer> buffers = new LinkedHashSet<>();
    for (Call c : calls) {
      c.buffers().stream().filter(b -> b.layer() == l).forEach(buffers::add);
    }
    return new ArrayList<>(buffers);
  }

  private List<CodeBlock> renderedDecode(int l) {
    CallRenderer renderer = CallRenderer.decodingLayer(plan.decode().layers().get(l));
    return plan.decode().calls().stream().filter(c -> c.layer() == l).map(renderer::statement)
        .toList();
  }

  private List<CodeBlock> rendered(int l, boolean forward) {
    CallRenderer renderer = CallRenderer.layer(plan.layers().get(l), seedsPerLayer);
    List<CodeBlock> lines = new ArrayList<>();
    for (Call c : forward ? plan.forward() : plan.backward()) {
      if (c.layer() == l) {
        lines.add(renderer.statement(c));
      }
    }
    return lines;
  }

  private void check() {
    List<CodeBlock> forward = rendered(0, true);
    List<CodeBlock> backward = rendered(0, false);
    List<String> names = buffers(0).stream().map(Buffer::name).toList();
    List<Parameter> params = slices(0);
    for (int l = 1; l < plan.spec().layers(); l++) {
      int layer = l;
      require(forward.equals(rendered(l, true)), "forward" + difference(forward, rendered(l, true)), l);
      require(backward.equals(rendered(l, false)),
          "backward" + difference(backward, rendered(l, false)), l);
      require(names.equals(buffers(l).stream().map(Buffer::name).toList()), "buffers", l);
      List<Parameter> own = slices(layer);
      require(own.size() == params.size(), "parameters", l);
      for (int i = 0; i < own.size(); i++) {
        Parameter p = own.get(i);
        require(p.field().equals(params.get(i).field())
            && p.offset() == params.get(i).offset() + l * parameterStride, "parameter offsets", l);
      }
      for (Buffer b : buffers(l)) {
        Buffer first = new Buffer(b.name(), 0, b.extent(), b.width());
        require(plan.columns().get(b).equals(plan.columns().get(first)), "columns", l);
        require(Objects.equals(plan.inference().columns().get(b),
            plan.inference().columns().get(first)), "inference columns", l);
      }
      if (layeredDecoding()) {
        checkDecode(l);
      }
      Plan.LayerPorts ports = plan.layers().get(l);
      Plan.LayerPorts previous = plan.layers().get(l - 1);
      require(ports.input().layer() == l - 1
          && (l == 1 || ports.input().name().equals(previous.input().name())), "input", l);
      require(Objects.equals(ports.inputGradient() == null ? null : ports.inputGradient().name(),
          l == 1 ? ports.inputGradient() == null ? null : ports.inputGradient().name()
              : previous.inputGradient() == null ? null : previous.inputGradient().name())
          && (ports.inputGradient() == null || ports.inputGradient().layer() == l - 1),
          "input gradient", l);
    }
  }

  /** Layer {@code l}'s decoding pass is layer 0's with its own slices, reading the layer below's. */
  private void checkDecode(int l) {
    List<CodeBlock> first = renderedDecode(0);
    require(first.equals(renderedDecode(l)), "decoding pass" + difference(first, renderedDecode(l)), l);
    require(decodeBuffers(0).stream().map(Buffer::name).toList()
        .equals(decodeBuffers(l).stream().map(Buffer::name).toList()), "decoding buffers", l);
    for (Buffer b : decodeBuffers(l)) {
      require(plan.decode().columns().get(b).equals(plan.decode().columns()
          .get(new Buffer(b.name(), 0, b.extent(), b.width()))), "decoding columns", l);
    }
    Buffer input = plan.decode().layers().get(l).input();
    require(input.layer() == l - 1 && (l == 1
        || input.name().equals(plan.decode().layers().get(l - 1).input().name())), "decoding input", l);
  }

  /** Where two layers' calls first differ, for the error: " (call i: a / b)". */
  private static String difference(List<CodeBlock> first, List<CodeBlock> other) {
    for (int i = 0; i < Math.max(first.size(), other.size()); i++) {
      CodeBlock a = i < first.size() ? first.get(i) : null;
      CodeBlock b = i < other.size() ? other.get(i) : null;
      if (!Objects.equals(a, b)) {
        return " (call " + i + ": " + a + " / " + b + ")";
      }
    }
    return "";
  }

  private static void require(boolean ok, String what, int layer) {
    if (!ok) {
      throw new IllegalStateException("layer " + layer + "'s " + what + " differ from layer 0's: "
          + "the generated Layer class cannot serve it");
    }
  }

  /** The Layer class. */
  TypeSpec type() {
    boolean trains = !plan.backward().isEmpty();
    TypeSpec.Builder type = TypeSpec.classBuilder(layerClass)
        .addJavadoc("One encoder layer: its parameters, their gradients and its activations (at its "
            + "arena columns), and its\nforward and backward. The input is the previous layer's "
            + "output (the embeddings' for layer 0).\n")
        .addModifiers(Modifier.PRIVATE, Modifier.FINAL)
        .addField(int.class, "index", Modifier.PRIVATE, Modifier.FINAL);
    MethodSpec.Builder constructor = MethodSpec.constructorBuilder()
        .addParameter(int.class, "index")
        .addStatement("this.index = index");
    for (Parameter p : slices(0)) {
      type.addField(SLICE, p.field(), Modifier.PRIVATE, Modifier.FINAL);
      constructor.addStatement("$N = param($L)", p.field(), offset(p.offset()));
    }
    if (trains) {
      for (Parameter p : slices(0)) {
        type.addField(SLICE, p.gradField(), Modifier.PRIVATE, Modifier.FINAL);
        constructor.addStatement("$N = grad($L)", p.gradField(), offset(p.offset()));
      }
    }
    for (Buffer b : buffers(0)) {
      type.addField(SLICE, b.name(), Modifier.PRIVATE, Modifier.FINAL);
      Column inference = plan.inference().columns().get(b);
      constructor.addStatement("$N = $L", b.name(), ModelEmitter.placed(b.extent(),
          column(plan.columns().get(b)), inference == null ? null : column(inference)));
    }
    type.addField(FieldSpec.builder(SLICE, "input", Modifier.PRIVATE).build());
    MethodSpec.Builder connect = MethodSpec.methodBuilder("connect")
        .addJavadoc("Sets the slices this layer reads from the layer below.\n")
        .addParameter(SLICE, "input")
        .addStatement("this.input = input");
    if (trains) {
      type.addField(FieldSpec.builder(SLICE, "inputGrad", Modifier.PRIVATE).build());
      connect.addParameter(SLICE, "inputGrad").addStatement("this.inputGrad = inputGrad");
    }
    if (layeredDecoding()) {
      for (Buffer b : decodeBuffers(0)) {
        type.addField(SLICE, b.name(), Modifier.PRIVATE, Modifier.FINAL);
        constructor.addStatement("$N = $L($L)", b.name(), ModelEmitter.region(b.extent()),
            column(plan.decode().columns().get(b)));
      }
      type.addField(FieldSpec.builder(SLICE, "decodeInput", Modifier.PRIVATE).build());
    }
    type.addMethod(constructor.build());
    type.addMethod(connect.build());
    type.addMethod(forward());
    type.addMethod(backward());
    if (layeredDecoding()) {
      type.addMethod(MethodSpec.methodBuilder("connectDecode")
          .addJavadoc("Sets the slice this layer's decoding pass reads from the layer below.\n")
          .addParameter(SLICE, "decodeInput")
          .addStatement("this.decodeInput = decodeInput")
          .build());
      type.addMethod(decode());
    }
    return type.build();
  }

  private MethodSpec decode() {
    MethodSpec.Builder method = MethodSpec.methodBuilder("decode")
        .addJavadoc("This layer's decoding pass over the new rows (inference): its attention appends "
            + "their keys and values to\nthe layer's cache and attends to all its sequence holds.\n")
        .addParameter(int.class, "batch")
        .addParameter(int.class, "seq")
        .addStatement("int rows = batch * seq");
    ModelEmitter.addCalls(method, plan.decode().calls().stream().filter(c -> c.layer() == 0).toList(),
        CallRenderer.decodingLayer(plan.decode().layers().get(0)));
    return method.build();
  }

  /** {@code layers[l].connectDecode(...)} for every layer, in the model's constructor. */
  CodeBlock decodeConnections() {
    List<Plan.LayerPorts> ports = plan.decode().layers();
    CodeBlock input0 = CallRenderer.model().buffer(ports.get(0).input());
    if (ports.size() == 1) {
      return CodeBlock.of("layers[0].connectDecode($L)", input0);
    }
    return CodeBlock.of("layers[l].connectDecode(l == 0 ? $L : layers[l - 1].$N)", input0,
        ports.get(1).input().name());
  }

  private CodeBlock column(Column c) {
    if (c.slots() == 1) {
      return CodeBlock.of("$L", c.base());
    }
    String slot = c.slots() == plan.spec().layers() ? "index" : "index % " + c.slots();
    String copy = c.width() == 1 ? slot : slot + " * " + c.width();
    return c.base() == 0 ? CodeBlock.of("$L", copy) : CodeBlock.of("$L + $L", c.base(), copy);
  }

  /** {@code first + index × stride}, the stride left out for a single layer. */
  private CodeBlock offset(long first) {
    return parameterStride == 0 ? CodeBlock.of("$LL", first)
        : CodeBlock.of("$LL + index * $LL", first, parameterStride);
  }

  private MethodSpec forward() {
    MethodSpec.Builder method = MethodSpec.methodBuilder("forward")
        .addJavadoc("This layer's forward pass (dropout on in training).\n")
        .addParameter(boolean.class, "training")
        .addParameter(int.class, "batch")
        .addParameter(int.class, "seq")
        .addStatement("int rows = batch * seq");
    ModelEmitter.addCalls(method, plan.forward().stream().filter(c -> c.layer() == 0).toList(),
        CallRenderer.layer(plan.layers().get(0), seedsPerLayer));
    return method.build();
  }

  private MethodSpec backward() {
    MethodSpec.Builder method = MethodSpec.methodBuilder("backward")
        .addJavadoc("This layer's backward pass: the gradients of its parameters (accumulated) and of "
            + "its input.\n")
        .addParameter(int.class, "batch")
        .addParameter(int.class, "seq");
    List<Call> calls = plan.backward().stream().filter(c -> c.layer() == 0).toList();
    if (calls.isEmpty()) {
      return method.addComment("no head has a loss: nothing to differentiate").build();
    }
    if (plan.recompute()) {
      method.addComment("recompute: replay this layer's forward from its kept input (the same "
          + "dropout masks)");
      method.addStatement("forward(true, batch, seq)");
    }
    method.addStatement("int rows = batch * seq");
    ModelEmitter.addCalls(method, calls, CallRenderer.layer(plan.layers().get(0), seedsPerLayer));
    return method.build();
  }

  /** {@code layers[l].connect(...)} for every layer, in the model's constructor. */
  CodeBlock connections() {
    Plan.LayerPorts first = plan.layers().get(0);
    CallRenderer model = CallRenderer.model();
    CodeBlock input0 = model.buffer(first.input());
    CodeBlock grad0 = first.inputGradient() == null ? null : model.buffer(first.inputGradient());
    if (plan.layers().size() == 1) {
      return grad0 == null ? CodeBlock.of("layers[0].connect($L)", input0)
          : CodeBlock.of("layers[0].connect($L, $L)", input0, grad0);
    }
    Plan.LayerPorts second = plan.layers().get(1);
    CodeBlock input = CodeBlock.of("l == 0 ? $L : layers[l - 1].$N", input0, second.input().name());
    if (grad0 == null) {
      return CodeBlock.of("layers[l].connect($L)", input);
    }
    Objects.requireNonNull(second.inputGradient(), "layer 1's input gradient");
    return CodeBlock.of("layers[l].connect($L,$W$L)", input,
        CodeBlock.of("l == 0 ? $L : layers[l - 1].$N", grad0, second.inputGradient().name()));
  }
}
