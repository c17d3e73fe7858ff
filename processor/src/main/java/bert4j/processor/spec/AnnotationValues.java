package bert4j.processor.spec;

import java.util.ArrayList;
import java.util.List;
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
  private final Elements elements;
  /** The annotation this one is nested in (as an attribute value); it fails when this one does. */
  private final AnnotationValues parent;
  private boolean failed;

  AnnotationValues(Element element, AnnotationMirror mirror, Elements elements, Messager messager) {
    this(element, mirror, elements, messager, null);
  }

  private AnnotationValues(Element element, AnnotationMirror mirror, Elements elements,
      Messager messager, AnnotationValues parent) {
    this.element = element;
    this.mirror = mirror;
    this.withDefaults = elements.getElementValuesWithDefaults(mirror);
    this.explicit = mirror.getElementValues();
    this.messager = messager;
    this.elements = elements;
    this.parent = parent;
  }

  /** The element the annotation is on. */
  Element element() {
    return element;
  }

  /** The annotation itself. */
  AnnotationMirror mirror() {
    return mirror;
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

  String string(String name) {
    return (String) value(name).getValue();
  }

  long longValue(String name) {
    return ((Number) value(name).getValue()).longValue();
  }

  /** Whether the user wrote attribute {@code name} (rather than leaving its default). */
  boolean isSet(String name) {
    return find(explicit, name) != null;
  }

  /**
   * The elements of an array-valued attribute, each an {@link AnnotationValue} (for a value) that
   * {@link #error(AnnotationValue, String)} can point at.
   */
  List<AnnotationValue> list(String name) {
    @SuppressWarnings("unchecked")
    List<? extends AnnotationValue> values = (List<? extends AnnotationValue>) value(name).getValue();
    return List.copyOf(values);
  }

  /** The strings of a {@code String[]} attribute, in order. */
  List<String> strings(String name) {
    List<String> strings = new ArrayList<>();
    for (AnnotationValue v : list(name)) {
      strings.add((String) v.getValue());
    }
    return strings;
  }

  /**
   * The annotations of an annotation-array attribute, each readable as its own values; errors on them
   * point into this annotation and fail it too.
   */
  List<AnnotationValues> annotations(String name) {
    List<AnnotationValues> nested = new ArrayList<>();
    for (AnnotationValue v : list(name)) {
      nested.add(new AnnotationValues(element, (AnnotationMirror) v.getValue(), elements, messager,
          this));
    }
    return nested;
  }

  /** Reports an error on one value inside this annotation, e.g. one element of an array attribute. */
  void error(AnnotationValue value, String message) {
    fail();
    messager.printMessage(Diagnostic.Kind.ERROR, message, element, mirror, value);
  }

  /** Reports an error on the whole annotation. */
  void error(String message) {
    fail();
    messager.printMessage(Diagnostic.Kind.ERROR, message, element, mirror);
  }

  private void fail() {
    for (AnnotationValues a = this; a != null; a = a.parent) {
      a.failed = true;
    }
  }

  /** Reports an error on attribute {@code name}. */
  void error(String name, String message) {
    fail();
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

  /** Attribute {@code name}'s value, the default where the user wrote none. */
  AnnotationValue value(String name) {
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
