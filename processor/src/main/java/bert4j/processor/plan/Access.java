package bert4j.processor.plan;

/** How a kernel call uses a buffer argument: what liveness and the arena planner read. */
public enum Access {
  /** Read only. */
  READ,
  /** Overwritten entirely without being read: the start of a new value. */
  WRITE,
  /** Read and written (accumulation, an in-place update, a partial write). */
  UPDATE
}
