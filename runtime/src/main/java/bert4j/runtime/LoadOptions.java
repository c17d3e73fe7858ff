package bert4j.runtime;

import bert4j.runtime.io.NonFinite;
import bert4j.runtime.text.KeepTokens;

/**
 * How {@link TransformerModel#load(java.nio.file.Path, LoadOptions)} reads a checkpoint:
 * {@code keepTokens} (null for all rows) loads only the kept rows of the vocabulary-sized tensors
 * (bert4keras's {@code keep_tokens}); {@code nonFinite} rejects or allows NaN and infinity; with
 * {@code strict}, every parameter must be in the checkpoint and every tensor of the checkpoint used,
 * where by default a head the checkpoint lacks keeps its initialisation and unused tensors are only
 * reported (Hugging Face's {@code from_pretrained}).
 */
public record LoadOptions(KeepTokens keepTokens, NonFinite nonFinite, boolean strict) {
  public LoadOptions {
    if (nonFinite == null) {
      throw new IllegalArgumentException("nonFinite must not be null: NonFinite.REJECT or NonFinite.ALLOW");
    }
  }

  /** All rows, NaN and infinity rejected, missing heads initialised. */
  public static LoadOptions defaults() {
    return new LoadOptions(null, NonFinite.REJECT, false);
  }

  /** These options with every difference between model and checkpoint an error. */
  public LoadOptions strictly() {
    return new LoadOptions(keepTokens, nonFinite, true);
  }

  /** These options with only {@code kept} rows of the vocabulary-sized tensors loaded. */
  public LoadOptions keeping(KeepTokens kept) {
    if (kept == null) {
      throw new IllegalArgumentException("keepTokens must not be null: use load(Path) for all rows");
    }
    return new LoadOptions(kept, nonFinite, strict);
  }

  /** These options with NaN and infinity rejected or allowed. */
  public LoadOptions withNonFinite(NonFinite policy) {
    return new LoadOptions(keepTokens, policy, strict);
  }
}
