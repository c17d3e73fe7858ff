package bert4j.processor.tape;

import bert4j.processor.plan.Buffer;

/**
 * One value on the tape: what a buffer holds after the op that wrote it. An in-place op (dropout into
 * its input, a layer norm that stores the residual sum back, an accumulating embedding) makes a new
 * value of the same buffer, so each value has its own gradient.
 */
public record Value(int id, Buffer buffer) {}
