package bert4j.examples;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.TransformerModel;
import bert4j.runtime.io.SafeTensorsWriter;
import bert4j.runtime.kernels.Kernels;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The verification CLI: runs any compiled bert4j spec on given weights and inputs and writes its
 * outputs, so a user can pin a spec's outputs in their own CI.
 *
 * <pre>
 * ComputeOutputs SPEC WEIGHTS.safetensors INPUT.json OUTPUTS.safetensors
 * </pre>
 *
 * SPEC is the spec interface's (or its generated {@code Impl} class's) qualified name; INPUT.json is
 * {@code {"token_ids": [[...]], "segment_ids": [[...]]}}, read strictly (see {@link InputJson}); the
 * outputs file holds {@code sequence_output} and, where the spec has them, {@code pooled_output},
 * {@code mlm_logits} and {@code class_logits}.
 *
 * <p>Every failure is one line {@code error: ...} on standard error, naming the file or value at fault,
 * without a stack trace, and an exit status a CI script can tell apart:
 * <ul>
 *   <li>0: the outputs were written;
 *   <li>1 ({@link #INPUT_ERROR}): something given is wrong: a weights, input or outputs path that is
 *       missing, a directory, unreadable, truncated or unwritable; input that is not strict JSON of the
 *       right shape, or values the model rejects (a token id outside the vocabulary, sequences longer
 *       than the spec allows); an unknown spec; weights whose names or shapes do not fit the spec;
 *   <li>2 ({@link #USAGE_ERROR}): not four arguments;
 *   <li>3 ({@link #INTERNAL_ERROR}): anything else, such as a bug in bert4j or running out of memory;
 *       the line names the exception.
 * </ul>
 */
public final class ComputeOutputs {
  /** Exit status when a file or value given on the command line is wrong. */
  public static final int INPUT_ERROR = 1;
  /** Exit status when the command line does not have its four arguments. */
  public static final int USAGE_ERROR = 2;
  /** Exit status of a failure that is not the input's fault. */
  public static final int INTERNAL_ERROR = 3;

  private static final String USAGE =
      "usage: ComputeOutputs SPEC WEIGHTS.safetensors INPUT.json OUTPUTS.safetensors";

  private ComputeOutputs() {}

  public static void main(String[] args) {
    int status = execute(args, System.out, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /**
   * Runs the command line {@code args}, reporting on {@code out} and {@code err}, and returns the exit
   * status (0, {@link #INPUT_ERROR}, {@link #USAGE_ERROR} or {@link #INTERNAL_ERROR}).
   */
  public static int execute(String[] args, PrintStream out, PrintStream err) {
    if (args.length != 4) {
      err.println("error: expected 4 arguments, got " + args.length + "; " + USAGE);
      return USAGE_ERROR;
    }
    try {
      String spec = args[0];
      Path weights = path("weights", args[1]);
      Path input = path("input", args[2]);
      Path output = path("outputs", args[3]);
      checkWritable(output);
      Map<String, FloatTensor> outputs = run(spec, weights, input);
      try {
        SafeTensorsWriter.write(output, outputs, Map.of("bert4j.spec", spec));
      } catch (IOException e) {
        throw InputException.of("cannot write outputs", output, e);
      }
      out.println("wrote " + outputs.keySet() + " to " + output);
      return 0;
    } catch (InputException e) {
      err.println("error: " + oneLine(e.getMessage()));
      return INPUT_ERROR;
    } catch (RuntimeException | Error e) {
      err.println("error: internal error: " + oneLine(e.toString()));
      return INTERNAL_ERROR;
    }
  }

  /**
   * Loads the spec's model with {@code weights}, runs {@code input} and returns the outputs by name.
   *
   * @throws InputException naming the file or value at fault when an input is wrong
   */
  public static Map<String, FloatTensor> run(String spec, Path weights, Path input)
      throws InputException {
    Batch batch = InputJson.read(input);
    try (Kernels kernels = Backend.auto();
        TransformerModel model = create(spec, kernels, batch, input)) {
      load(model, weights);
      try {
        return model.forward(batch).asMap();
      } catch (IllegalArgumentException e) {
        throw new InputException(input + ": " + e.getMessage());
      }
    }
  }

  private static Path path(String role, String argument) throws InputException {
    try {
      return Path.of(argument);
    } catch (InvalidPathException e) {
      throw new InputException(role + " path '" + argument + "' is not a valid path: " + e.getReason());
    }
  }

  /** Fails before any work when {@code output} clearly cannot be written. */
  private static void checkWritable(Path output) throws InputException {
    if (Files.isDirectory(output)) {
      throw new InputException("cannot write outputs to " + output + ": it is a directory");
    }
    Path directory = output.toAbsolutePath().getParent();
    if (directory == null || !Files.isDirectory(directory)) {
      throw new InputException("cannot write outputs to " + output + ": no directory " + directory);
    }
    if (!Files.isWritable(directory)) {
      throw new InputException("cannot write outputs to " + output + ": directory " + directory
          + " is not writable");
    }
  }

  private static void load(TransformerModel model, Path weights) throws InputException {
    if (Files.isDirectory(weights)) {
      throw new InputException("weights " + weights + " is a directory, not a safetensors file");
    }
    try {
      model.load(weights);
    } catch (IOException e) {
      throw InputException.of("weights", weights, e);
    } catch (IllegalArgumentException e) {
      throw new InputException("weights " + weights + " do not fit the spec: " + e.getMessage());
    }
  }

  /** Calls the generated {@code create(Kernels, int, int)} of the spec's Impl class, sized for batch. */
  private static TransformerModel create(String spec, Kernels kernels, Batch batch, Path input)
      throws InputException {
    String implName = spec.endsWith("Impl") ? spec : spec + "Impl";
    Method create;
    try {
      create = Class.forName(implName).getMethod("create", Kernels.class, int.class, int.class);
    } catch (ClassNotFoundException e) {
      throw new InputException("no generated model " + implName + " on the classpath: is " + spec
          + " a @Transformer interface compiled with bert4j?");
    } catch (NoSuchMethodException e) {
      throw new InputException(implName + " is not a bert4j generated model: it has no "
          + "create(Kernels, int, int)");
    }
    try {
      return (TransformerModel) create.invoke(null, kernels, batch.size(), batch.length());
    } catch (IllegalAccessException | ClassCastException e) {
      throw new InputException(implName + " is not a bert4j generated model: " + e.getMessage());
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IllegalArgumentException tooLarge) {
        throw new InputException(input + ": a batch of " + batch.size() + " x " + batch.length()
            + " tokens does not fit " + spec + ": " + tooLarge.getMessage());
      }
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private static String oneLine(String message) {
    return message == null ? "(no message)" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }
}
