package bert4j.runtime;

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
 * and the labels the heads need.
 */
public interface TransformerModel extends AutoCloseable {

  /** The spec's interface name, e.g. {@code com.acme.TitleGenerator}. */
  String specName();

  /** Every parameter tensor, in flat-buffer order. */
  List<ParameterInfo> parameters();

  /** Total number of parameters. */
  long parameterCount();

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

  /** Loads weights (safetensors, Hugging Face BERT names, with or without the {@code bert.} prefix). */
  void load(Path weights) throws IOException;

  /**
   * Loads weights for a simplified vocabulary: the checkpoint's token embedding and MLM bias have the
   * full vocabulary, and only the rows {@code keepTokens} lists are loaded (bert4keras's
   * {@code keep_tokens}); the spec's vocab must equal {@code keepTokens.size()}.
   */
  void load(Path weights, KeepTokens keepTokens) throws IOException;

  /** Saves weights as safetensors; atomic: a crash never leaves a partial file under {@code path}. */
  void save(Path weights) throws IOException;

  /** Inference: every output of the spec, dropout off. */
  Outputs forward(Batch batch);

  /**
   * The outputs of the last forward pass, a training step's included (computed with dropout): what a
   * training loop reads to report accuracy without a second forward.
   */
  Outputs lastOutputs();

  /** Forward in training mode, loss, and the backward into the gradients, without an update. */
  float computeGradients(Batch batch);

  /** One training step: {@link #computeGradients} then the optimizer update; returns the loss. */
  float trainStep(Batch batch);

  /** The learning rate the last optimizer update used. */
  double lastLearningRate();

  /** Releases the model's memory. */
  @Override
  void close();
}
