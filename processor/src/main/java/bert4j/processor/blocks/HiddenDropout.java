package bert4j.processor.blocks;

import bert4j.processor.ops.Dropout;
import bert4j.processor.tape.Tape;
import bert4j.processor.tape.Value;

/**
 * The spec's hidden dropout, in place, on embeddings and residual branches (nothing at rate 0, nor on
 * a decoding tape, which runs at inference only).
 */
final class HiddenDropout {
  private HiddenDropout() {}

  static Value apply(Tape tape, Value x, double rate) {
    if (rate <= 0 || tape.decoding()) {
      return x;
    }
    Value out = tape.next(x);
    tape.record(new Dropout(x, out, (float) rate, tape.seedSite()));
    return out;
  }
}
