package bert4j.runtime.generate;

/**
 * Random-sampling settings (bert4keras's {@code random_sample}): {@code samples} outputs per input, the
 * logits divided by {@code temperature} before the softmax, then only the {@code topK} most probable
 * tokens kept (0: all), then of those only the most probable whose probabilities first reach
 * {@code topP} of their total (1: all), renormalised, and one drawn. The draws of output j of input i
 * depend on {@code seed}, i and j only, so a run is reproducible whatever the batching.
 */
public record Sampling(int samples, double temperature, int topK, double topP, long seed) {
  public Sampling {
    if (samples < 1) {
      throw new IllegalArgumentException("samples=" + samples + " must be at least 1");
    }
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature=" + temperature + " must be positive and finite");
    }
    if (topK < 0) {
      throw new IllegalArgumentException("topK=" + topK + " must be >= 0 (0 keeps every token)");
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP=" + topP + " must be in (0, 1] (1 keeps every token)");
    }
  }

  /** One sample per input from the full distribution at temperature 1, drawn from {@code seed}. */
  public static Sampling seeded(long seed) {
    return new Sampling(1, 1, 0, 1, seed);
  }

  public Sampling withSamples(int samples) {
    return new Sampling(samples, temperature, topK, topP, seed);
  }

  public Sampling withTemperature(double temperature) {
    return new Sampling(samples, temperature, topK, topP, seed);
  }

  public Sampling withTopK(int topK) {
    return new Sampling(samples, temperature, topK, topP, seed);
  }

  public Sampling withTopP(double topP) {
    return new Sampling(samples, temperature, topK, topP, seed);
  }
}
