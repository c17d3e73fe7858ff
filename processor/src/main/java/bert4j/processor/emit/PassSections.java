package bert4j.processor.emit;

import bert4j.processor.plan.Call;
import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeName;
import com.squareup.javapoet.TypeSpec;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Writes a long run of a pass's model-level kernel calls as private section methods that the pass
 * calls in order. HotSpot never JIT-compiles a method of more than 8,000 bytes of bytecode
 * ({@code HugeMethodLimit}); T5's decoder layers are model-level calls, and for an mT5-small-sized
 * spec one straight run made {@code forwardPass} and {@code backwardPass} larger than that. A run
 * of at most {@link #MOST_INLINE} calls stays in the pass; a longer one is cut before a commented call
 * (a block's start) once a section holds {@link #TARGET} calls, and at {@link #MOST} calls at the
 * latest, so a section stays far below the limit (a call compiles to about 30–70 bytes).
 */
final class PassSections {
  static final int MOST_INLINE = 60;
  static final int TARGET = 40;
  static final int MOST = 80;

  private final TypeSpec.Builder type;
  private final String pass;
  private final boolean hasTraining;
  private int sections;

  /**
   * Sections of pass {@code pass} (their names {@code passSection1}, ...) added to {@code type};
   * {@code hasTraining}: whether the pass takes the {@code training} flag.
   */
  PassSections(TypeSpec.Builder type, String pass, boolean hasTraining) {
    this.type = type;
    this.pass = pass;
    this.hasTraining = hasTraining;
  }

  /** The calls into {@code method}: inline when few, else as calls of new section methods. */
  void add(MethodSpec.Builder method, List<Call> calls, CallRenderer renderer) {
    if (calls.size() <= MOST_INLINE) {
      ModelEmitter.addCalls(method, calls, renderer);
      return;
    }
    for (List<Call> part : split(calls)) {
      sections++;
      String name = pass + "Section" + sections;
      boolean addsLoss = part.stream().anyMatch(c -> c.loss() >= 0);
      MethodSpec.Builder section = MethodSpec.methodBuilder(name)
          .addModifiers(Modifier.PRIVATE)
          .returns(addsLoss ? TypeName.DOUBLE : TypeName.VOID);
      if (hasTraining) {
        section.addParameter(boolean.class, "training");
      }
      section.addParameter(int.class, "batch")
          .addParameter(int.class, "seq")
          .addStatement("int rows = batch * seq");
      if (addsLoss) {
        section.addStatement("double loss = 0");
      }
      ModelEmitter.addCalls(section, part, renderer);
      if (addsLoss) {
        section.addStatement("return loss");
      }
      type.addMethod(section.build());
      CodeBlock args = hasTraining ? CodeBlock.of("training, batch, seq") : CodeBlock.of("batch, seq");
      method.addStatement(addsLoss ? "loss += $N($L)" : "$N($L)", name, args);
    }
  }

  /** The calls cut into sections as described above. */
  static List<List<Call>> split(List<Call> calls) {
    List<List<Call>> parts = new ArrayList<>();
    List<Call> part = new ArrayList<>();
    for (Call call : calls) {
      boolean blockStarts = call.comment() != null && part.size() >= TARGET;
      if (blockStarts || part.size() >= MOST) {
        parts.add(part);
        part = new ArrayList<>();
      }
      part.add(call);
    }
    if (!part.isEmpty()) {
      parts.add(part);
    }
    return parts;
  }
}
