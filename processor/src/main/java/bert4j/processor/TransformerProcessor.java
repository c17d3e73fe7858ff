package bert4j.processor;

import bert4j.dsl.Mask;
import bert4j.processor.emit.ModelEmitter;
import bert4j.processor.plan.Planner;
import bert4j.processor.plan.Plan;
import bert4j.processor.spec.ModelSpec;
import bert4j.processor.spec.ParameterPatterns;
import bert4j.processor.spec.SpecReader;
import com.google.auto.service.AutoService;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;

/**
 * The bert4j annotation processor: for each interface annotated {@code @Transformer}, reads and checks
 * the spec, plans the model, and writes {@code <Interface>Impl}. Annotations that belong with
 * {@code @Transformer} but stand without it are errors too.
 */
@AutoService(Processor.class)
public final class TransformerProcessor extends AbstractProcessor {
  private static final Set<String> ANNOTATIONS = Set.of("bert4j.dsl.Transformer",
      "bert4j.dsl.Attention", "bert4j.dsl.Heads", "bert4j.dsl.Optimizer");

  @Override
  public Set<String> getSupportedAnnotationTypes() {
    return ANNOTATIONS;
  }

  @Override
  public SourceVersion getSupportedSourceVersion() {
    return SourceVersion.latestSupported();
  }

  @Override
  public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
    Set<TypeElement> specs = new LinkedHashSet<>();
    for (TypeElement annotation : annotations) {
      for (Element element : round.getElementsAnnotatedWith(annotation)) {
        if (element instanceof TypeElement type) {
          specs.add(type);
        }
      }
    }
    SpecReader reader = new SpecReader(processingEnv.getElementUtils(),
        processingEnv.getTypeUtils(), processingEnv.getMessager());
    for (TypeElement type : specs) {
      Optional<ModelSpec> spec = reader.read(type);
      if (spec.isEmpty()) {
        continue;
      }
      if (spec.get().mask() != Mask.NONE && spec.get().decodingObstacle() != null) {
        processingEnv.getMessager().printMessage(Diagnostic.Kind.NOTE, spec.get().implName()
            + " does not implement IncrementalLm (no key/value-cached decoding): "
            + spec.get().decodingObstacle(), type);
      }
      Plan plan = Planner.plan(spec.get());
      if (!ParameterPatterns.check(spec.get().optimizer(),
          plan.parameters().stream().map(p -> p.name()).toList(), processingEnv.getMessager())) {
        continue;
      }
      if (plan.parameterCount() > Integer.MAX_VALUE) {
        processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, String.format(
            "%s has %,d parameters; bert4j models hold at most %,d (one flat buffer indexed by int)",
            type.getSimpleName(), plan.parameterCount(), Integer.MAX_VALUE), type);
        continue;
      }
      try {
        ModelEmitter.emit(plan, getClass().getName()).writeTo(processingEnv.getFiler());
      } catch (IOException e) {
        processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR,
            "bert4j could not write " + spec.get().implName() + ": " + e.getMessage(), type);
      }
    }
    return true;
  }
}
