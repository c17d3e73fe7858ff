package bert4j.processor.ops;

/** FLOPs per token of one call: a fixed part and a part per position of the sequence (attention). */
public record Flops(long perToken, long perTokenPerPosition) {
  public static final Flops NONE = new Flops(0, 0);

  public Flops plus(Flops other) {
    return new Flops(perToken + other.perToken, perTokenPerPosition + other.perTokenPerPosition);
  }
}
