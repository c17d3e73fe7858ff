package bert4j.runtime;

import bert4j.runtime.io.NonFinite;
import bert4j.runtime.text.KeepTokens;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What every generated model is: the methods bert4j implements for a {@code @Transformer} spec. A model
 * owns its backend memory (parameters, gradients, optimizer state, an activation arena sized for
 * {@code maxBatch × maxLength}); close it to release that memory.
 *
 * <p>Input checks (each a clear {@link IllegalArgumentException}): token ids in [0, vocab), segment ids
 * in [0, segments), rows of one length, no longer than maxLength (≤ maxPosition), batch size ≤ maxBatch,
 * and the labels the heads need; a null batch, parameter name or tensor.
 *
 * <p>A model is single-threaded: make one call at a time (from one thread, or from several that
 * hand it over with their own synchronization); concurrent calls are not supported. The one
 * exception is {@link #close}, which any thread may call at any time: it waits for the call in
 * progress to return, then frees the memory, and every later call is an
 * {@link IllegalStateException}.
 */
public interface TransformerModel extends AutoCloseable {

  /** The spec's interface name, e.g. {@code com.acme.TitleGenerator}. */
  String specName();

  /** Every parameter tensor, in flat-buffer order. */
  List<ParameterInfo> parameters();

  /** Total number of parameters. */
  long parameterCount();

  /**
   * Whether the model was created for inference ({@code createForInference}): it holds no gradients
   * or optimizer state, and {@link #trainStep}, {@link #computeGradients}, {@link #gradient} and
   * {@link #applyEma} refuse.
   */
  boolean inferenceOnly();

  /** The values of one parameter (a copy), by name; unknown names are an error naming the choices. */
  FloatTensor parameter(String name);

  /** Replaces the values of one parameter; the shape must match. */
  void setParameter(String name, FloatTensor values);

  /** The gradient of one parameter after the last {@link #computeGradients} or {@link #trainStep}. */
  FloatTensor gradient(String name);

  /** Re-initialises every parameter from {@code seed} (truncated normal weights, unit LN, zero bias). */
  void initialize(long seed);

  /** Seeds the dropout masks of training steps; the same seed gives bit-identical training. */
  void seedDropout(long seed);

  /**
   * Loads weights (safetensors, Hugging Face names, with or without the task model's encoder prefix
   * such as {@code bert.}). A head the file lacks (a pretrained encoder loaded into a spec with a new
   * classifier) keeps its initialisation, and tensors the model does not use are skipped; the report
   * says which, and {@link LoadOptions#strictly()} makes either an error. When the file also holds
   * optimizer state saved for this model's optimizer, the training state is
   * restored too (moments, step counters, dropout stream), so training resumes exactly; otherwise the
   * optimizer starts fresh. All or nothing: the whole file is checked (names, shapes, dtypes, metadata,
   * and that its tensors cover its data section exactly) and every value read before anything changes,
   * so a load that fails leaves the model as it was. NaN or infinite values fail the load; see
   * {@link #load(Path, NonFinite)}.
   *
   * @throws bert4j.runtime.io.SafeTensorsFormatException if the file is malformed or does not fit the
   *     model (the message names the file and the tensor or metadata key)
   * @throws IllegalArgumentException if {@code weights} is null
   */
  default LoadReport load(Path weights) throws IOException {
    return load(weights, LoadOptions.defaults());
  }

  /** {@link #load(Path)}, with NaN and infinite values rejected (naming the tensors) or allowed. */
  default LoadReport load(Path weights, NonFinite nonFinite) throws IOException {
    return load(weights, LoadOptions.defaults().withNonFinite(nonFinite));
  }

  /**
   * Loads weights for a simplified vocabulary: the checkpoint's token embedding and MLM bias have the
   * full vocabulary, and only the rows {@code keepTokens} lists are loaded (bert4keras's
   * {@code keep_tokens}); the spec's vocab must equal {@code keepTokens.size()}. All or nothing, as
   * {@link #load(Path)}.
   */
  default LoadReport load(Path weights, KeepTokens keepTokens) throws IOException {
    return load(weights, LoadOptions.defaults().keeping(keepTokens));
  }

  /** {@link #load(Path, KeepTokens)}, with NaN and infinite values rejected or allowed. */
  default LoadReport load(Path weights, KeepTokens keepTokens, NonFinite nonFinite)
      throws IOException {
    return load(weights, LoadOptions.defaults().keeping(keepTokens).withNonFinite(nonFinite));
  }

  /**
   * {@link #load(Path)} with {@code options}: kept rows, NaN policy, strictness. Returns what was
   * loaded, initialised and left unused (also logged in one line).
   */
  LoadReport load(Path weights, LoadOptions options) throws IOException;

  /**
   * Saves weights as safetensors, and, once the model has trained, its optimizer state under
   * {@code optimizer.<slot>.<parameter>} with the step counters in the metadata; atomic: a crash never
   * leaves a partial file under {@code path}, and a successful save removes the temporary files that
   * killed saves to the same path left behind. While {@link #applyEma} is in effect the averaged weights
   * are saved. A tensor holding NaN or infinity is refused (an {@link IllegalStateException} naming it,
   * nothing written); see {@link #save(Path, NonFinite)}. A path ending in {@code .ckpt} is a
   * TensorFlow checkpoint prefix instead: the weights under Google's names (kernels {@code [in, out]},
   * {@code global_step} the training steps), as bert4keras and Google's scripts read them, for the
   * BERT, NEZHA, RoFormer, ALBERT and ELECTRA architectures; no optimizer state.
   *
   * @throws java.io.InterruptedIOException if the thread is interrupted while saving (the file is left
   *     as it was)
   * @throws IllegalArgumentException if {@code weights} is null
   */
  default void save(Path weights) throws IOException {
    save(weights, NonFinite.REJECT);
  }

  /** {@link #save(Path)}, with NaN and infinite values refused or written as they are. */
  void save(Path weights, NonFinite nonFinite) throws IOException;

  /** Inference: every output of the spec, dropout off. */
  Outputs forward(Batch batch);

  /**
   * The outputs of the last forward pass, a training step's included (computed with dropout): what a
   * training loop reads to report accuracy without a second forward.
   */
  Outputs lastOutputs();

  /**
   * Forward in training mode, loss, and the backward into the gradients, without an update; a NaN or
   * ±∞ loss or gradient is a {@link NonFiniteException} naming the first such parameter.
   */
  float computeGradients(Batch batch);

  /**
   * One training step: {@link #computeGradients} then the compiled optimizer's fused update (or, with
   * gradient accumulation, the accumulation of the gradient, and the update every k-th step); returns
   * the loss. Fails while {@link #applyEma} is in effect. A NaN or ±∞ loss or gradient stops the step
   * before the update with a {@link NonFiniteException} naming the step and the first such parameter,
   * so the weights stay as they were.
   */
  float trainStep(Batch batch);

  /**
   * The learning rate the last optimizer update used: the base rate (or AdaFactor's relative step)
   * times the schedule's multiplier; 0 before the first update. Parameter-wise multipliers and the
   * layer-adaptation ratio scale it further per tensor.
   */
  double lastLearningRate();

  /** Training steps taken since the model was created or loaded (a loaded checkpoint's included). */
  long trainingSteps();

  /** Optimizer updates made: {@link #trainingSteps} / the accumulation steps. */
  long updates();

  /**
   * Swaps the bias-corrected moving average e / (1 − μᵗ) into the parameters, for evaluation (or for
   * saving the averaged weights); the current parameters are kept aside until {@link #restore}. Needs
   * {@code ema = @Ema(...)} and at least one update; refuses (an {@link IllegalStateException} naming
   * the parameter, nothing changed) when an averaged weight would be NaN or infinite.
   */
  void applyEma();

  /** Swaps back, bit for bit, the parameters {@link #applyEma} set aside. */
  void restore();

  /** Whether {@link #applyEma} is in effect. */
  boolean emaApplied();

  /**
   * Releases the model's memory; safe from any thread: waits for a call in progress to return, and
   * makes every later call an {@link IllegalStateException}. Idempotent.
   */
  @Override
  void close();
}
