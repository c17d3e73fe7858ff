package bert4j.runtime.train;

/**
 * One training step as callbacks see it: the epoch (from 1), the step within it (from 1) of
 * {@code steps}, the model's training step count after it ({@code trainingStep}, across epochs and
 * resumed runs), its loss, and the learning rate of the model's last update.
 */
public record Step(int epoch, int step, int steps, long trainingStep, float loss,
    double learningRate) {}
