package bert4j.runtime.train;

import bert4j.runtime.TransformerModel;
import java.io.IOException;
import java.util.Map;

/**
 * The user's evaluation at the end of each epoch (bert4keras's {@code Evaluator.on_epoch_end}):
 * runs the model on held-out data (with {@link TransformerModel#forward}, dropout off) and returns
 * named metrics in the order to show them, e.g. {@code {"val_f1": 0.72}}. The model is given as the
 * trainer evaluates it: with the moving average swapped in when the trainer evaluates under EMA.
 */
@FunctionalInterface
public interface Evaluation {
  Map<String, Double> evaluate(TransformerModel model) throws IOException;
}
