package bert4j.runtime.train;

import java.util.List;
import java.util.Map;

/**
 * Where a {@link Trainer} is, as a checkpoint's {@code trainer.json} records it beside the model's
 * weights (which hold the optimizer state, the step counters and the dropout stream): the epoch in
 * progress or next to start (from 1) and the steps of it done; the fingerprint of those steps'
 * batches ({@link BatchDigest}), so that a resumed run checks it is given the same data order; the
 * epoch's running loss and metrics; the callbacks it ran with (class names, in order); the results
 * of the epochs done; and whether a callback stopped the run.
 */
record TrainerState(int format, String spec, int epoch, int step, int stepsPerEpoch,
    long trainingSteps, long digest, Tally loss, Map<String, Tally> metrics, List<String> callbacks,
    List<EpochResult> history, boolean stopped) {
  /** The version of this file's layout. */
  static final int FORMAT = 1;
}
