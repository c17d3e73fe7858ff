package bert4j.processor.spec;

import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.Elements;
import javax.tools.Diagnostic;
import javax.annotation.processing.Messager;

/**
 * The attribute values of one annotation on one element, defaults included, with error reporting that
 * points at the value the user wrote (or at the annotation when the value is a default).
 */
final class AnnotationValues {
  private final Element element;
  private final AnnotationMirror mirror;
  private final Map<? extends ExecutableElement, ? extends AnnotationValue> withDefaults;
  private final Map<? extends ExecutableElement, ? extends AnnotationValue> explicit;
  private final Messager messager;
  private boolean failed;

  AnnotationValues(Element element, AnnotationMirror mirror, Elements elements, Messager messager) {
    this.element = element;
    this.mirror = mirror;
    this.withDefaults = elements.getElementValuesWithDefaults(mirror);
    this.explicit = mirror.getElementValues();
    this.messager = messager;
  }

  int intValue(String name) {
    return (Integer) value(name).getValue();
  }

  double doubleValue(String name) {
    return ((Number) value(name).getValue()).doubleValue();
  }

  boolean booleanValue(String name) {
    return (Boolean) value(name).getValue();
  }

  /** An enum attribute, by constant name. */
  <E extends Enum<E>> E enumValue(String name, Class<E> type) {
    VariableElement constant = (VariableElement) value(name).getValue();
    return Enum.valueOf(type, constant.getSimpleName().toString());
  }

  /** Reports an error on attribute {@code name}. */
  void error(String name, String message) {
    failed = true;
    AnnotationValue written = find(explicit, name);
    if (written != null) {
      messager.printMessage(Diagnostic.Kind.ERROR, message, element, mirror, written);
    } else {
      messager.printMessage(Diagnostic.Kind.ERROR, message, element, mirror);
    }
  }

  /** Whether any error was reported through this reader. */
  boolean failed() {
    return failed;
  }

  private AnnotationValue value(String name) {
    AnnotationValue value = find(withDefaults, name);
    if (value == null) {
      throw new IllegalStateException("@" + mirror.getAnnotationType() + " has no attribute " + name);
    }
    return value;
  }

  private static AnnotationValue find(
      Map<? extends ExecutableElement, ? extends AnnotationValue> values, String name) {
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e : values.entrySet()) {
      if (e.getKey().getSimpleName().contentEquals(name)) {
        return e.getValue();
      }
    }
    return null;
  }
}
