package bert4j.processor.blocks;

import bert4j.processor.ops.ColumnSlice;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Dense layers over the same input whose weights lie stacked in the parameter buffer ({@code stacked},
 * the parts' rows one after another), so that one product computes them all: a wider GEMM runs much
 * closer to the machine's rate than several narrow ones (OpenBLAS on 2 cores of an AMD EPYC, 128 rows
 * of 768: 124 GFLOP/s for a 768-wide output against 233 for a 3,072-wide one; 144 against 273 for
 * q, k and v's 2,304 at once in a run under load).
 */
record DenseStack(Dense stacked, List<Dense> parts) {
  DenseStack {
    parts = List.copyOf(parts);
  }

  /**
   * The stacked product for x into {@code name}: the parts' outputs side by side in each row, for a
   * consumer that reads them in place.
   */
  Value product(Tape tape, Value x, String name) {
    return stacked.apply(tape, x, name);
  }

  /**
   * Every part's output for x: the stacked product into {@code name}, then each part's columns copied
   * out into {@code names[i]}.
   */
  List<Value> apply(Tape tape, Value x, String name, String... names) {
    Value all = product(tape, x, name);
    List<Value> outs = new ArrayList<>();
    int column = 0;
    for (int i = 0; i < parts.size(); i++) {
      Value out = tape.buffer(names[i], x.buffer().extent(), parts.get(i).out());
      tape.record(new ColumnSlice(all, column, out));
      outs.add(out);
      column += parts.get(i).out();
    }
    return outs;
  }
}
