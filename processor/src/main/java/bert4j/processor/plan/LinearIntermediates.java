package bert4j.processor.plan;

import bert4j.processor.heads.HeadOutput;
import bert4j.processor.ops.Linear;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The activations a model created for inference declares to its backend as read by the next
 * product alone ({@code Kernels.linearIntermediate}): the per-token output of a {@link Linear},
 * written whole (its activation in place), whose very next call is a {@link Linear} reading it
 * whole as its x, and that no other call touches — the feed-forward's hidden layer. The backend
 * sees only where a product writes (a column of the per-token arena, a width), so a column and
 * width are declared only where every product of the forward and decoding passes writing there
 * fits.
 */
public final class LinearIntermediates {
  private LinearIntermediates() {}

  /** Activations {@code width} wide at column {@code column} of the per-token arena. */
  public record Intermediate(int column, int width) {}

  /** The intermediates of {@code plan}'s passes that a model created for inference runs. */
  public static List<Intermediate> of(Plan plan) {
    Set<Buffer> outputs = new HashSet<>();
    for (HeadOutput o : plan.outputs()) {
      outputs.add(o.buffer());
    }
    Map<Intermediate, Boolean> fits = new LinkedHashMap<>();
    collect(InferenceArena.calls(plan.forward()), plan.inference().columns(), outputs, fits);
    if (plan.decode() != null) {
      Set<Buffer> decodeOutputs = new HashSet<>(plan.decode().encodedCaches());
      decodeOutputs.add(plan.decode().logits());
      if (plan.decode().startLogits() != null) {
        decodeOutputs.add(plan.decode().startLogits());
      }
      collect(plan.decode().calls(), plan.decode().columns(), decodeOutputs, fits);
    }
    List<Intermediate> result = new ArrayList<>();
    fits.forEach((intermediate, fit) -> {
      if (fit) {
        result.add(intermediate);
      }
    });
    return List.copyOf(result);
  }

  /**
   * Adds each per-token product output of {@code calls} to {@code fits}, with whether it fits,
   * and'ed with what is there already.
   */
  private static void collect(List<Call> calls, Map<Buffer, Column> columns, Set<Buffer> outputs,
      Map<Intermediate, Boolean> fits) {
    for (int i = 0; i < calls.size(); i++) {
      if (!(calls.get(i).op() instanceof Linear op) || op.clsRows()
          || op.out().buffer().extent() != Extent.TOKENS) {
        continue;
      }
      Buffer out = op.out().buffer();
      Intermediate at = new Intermediate(column(columns, out), op.outWidth());
      boolean fit = out.width() == op.outWidth() && !outputs.contains(out)
          && (op.activation() == null || column(columns, op.pre().buffer()) == at.column())
          && i + 1 < calls.size() && calls.get(i + 1).op() instanceof Linear next
          && !next.clsRows() && next.x().buffer().equals(out) && next.in() == out.width()
          && touchedOnlyBy(calls, out, i, i + 1);
      fits.merge(at, fit, Boolean::logicalAnd);
    }
  }

  private static int column(Map<Buffer, Column> columns, Buffer b) {
    Column c = Objects.requireNonNull(columns.get(b), () -> b.id() + " has no arena column");
    return c.of(b.layer());
  }

  /** Whether no call of {@code calls} but {@code writer} and {@code reader} touches {@code b}. */
  private static boolean touchedOnlyBy(List<Call> calls, Buffer b, int writer, int reader) {
    for (int j = 0; j < calls.size(); j++) {
      if (j != writer && j != reader && calls.get(j).buffers().contains(b)) {
        return false;
      }
    }
    return true;
  }
}
