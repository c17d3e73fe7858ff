package bert4j.runtime.train;

import bert4j.runtime.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A directory of training checkpoints, one sub-directory per checkpoint named by the model's
 * training step ({@code step-0000000120}), holding the model ({@code model.safetensors}: weights,
 * optimizer state, counters, dropout stream), each callback's state ({@code callback-<i>/}) and,
 * written last, the trainer's position ({@code trainer.json}). A sub-directory without {@code
 * trainer.json} is a save that was killed and is never resumed; a complete save removes every other
 * sub-directory, so the directory holds the latest checkpoint (and at most one partial one) at any
 * time.
 */
final class TrainerCheckpoint {
  static final String MODEL = "model.safetensors";
  static final String STATE = "trainer.json";
  private static final Pattern NAME = Pattern.compile("step-(\\d{1,18})");
  private final Path directory;

  TrainerCheckpoint(Path directory) {
    this.directory = directory;
  }

  /** The directory the checkpoints are in. */
  Path directory() {
    return directory;
  }

  /**
   * Saves the model, the callbacks' state and {@code state} as the checkpoint of the model's
   * current step, then removes the older ones. The model must not have its moving average applied.
   */
  void save(TransformerModel model, TrainerState state, List<Callback> callbacks)
      throws IOException {
    Path target = directory.resolve(String.format("step-%010d", state.trainingSteps()));
    deleteTree(target);
    Files.createDirectories(target);
    model.save(target.resolve(MODEL));
    for (int i = 0; i < callbacks.size(); i++) {
      Path own = Files.createDirectories(target.resolve("callback-" + i));
      callbacks.get(i).saveState(own);
    }
    JsonFiles.write(target.resolve(STATE), state);
    for (Path other : checkpoints()) {
      if (!other.equals(target)) {
        deleteTree(other);
      }
    }
  }

  /** The latest complete checkpoint, if any. */
  Optional<Path> latest() throws IOException {
    return checkpoints().stream().filter(p -> Files.isRegularFile(p.resolve(STATE)))
        .max(Comparator.comparingLong(TrainerCheckpoint::step));
  }

  /**
   * Loads {@code checkpoint} into the model and the callbacks and returns the trainer's position,
   * after checking that it was written for this spec and these callbacks, and that the model
   * resumed its optimizer state (the same optimizer).
   */
  TrainerState resume(Path checkpoint, TransformerModel model, List<Callback> callbacks)
      throws IOException {
    TrainerState state = JsonFiles.read(checkpoint.resolve(STATE), TrainerState.class);
    if (state.format() != TrainerState.FORMAT) {
      throw new IOException(checkpoint + ": trainer.json has format " + state.format()
          + ", this version reads " + TrainerState.FORMAT);
    }
    if (!model.specName().equals(state.spec())) {
      throw new IOException(checkpoint + " is a checkpoint of " + state.spec() + ", not of "
          + model.specName() + ": give fit another checkpoint directory");
    }
    List<String> names = names(callbacks);
    if (!names.equals(state.callbacks())) {
      throw new IOException(checkpoint + " was written by a trainer with the callbacks "
          + state.callbacks() + ", this one has " + names
          + ": resume with the same callbacks, in the same order");
    }
    model.load(checkpoint.resolve(MODEL));
    if (model.trainingSteps() != state.trainingSteps()) {
      throw new IOException(checkpoint + " records training step " + state.trainingSteps()
          + ", but its model resumed at step " + model.trainingSteps() + ": " + model.specName()
          + "'s optimizer is not the one that wrote it, so its optimizer state was not loaded");
    }
    for (int i = 0; i < callbacks.size(); i++) {
      callbacks.get(i).loadState(checkpoint.resolve("callback-" + i));
    }
    return state;
  }

  /** The class names of {@code callbacks}, as a checkpoint records them. */
  static List<String> names(List<Callback> callbacks) {
    return callbacks.stream().map(c -> c.getClass().getName()).toList();
  }

  private List<Path> checkpoints() throws IOException {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(directory)) {
      return entries.filter(p -> NAME.matcher(p.getFileName().toString()).matches()
          && Files.isDirectory(p)).toList();
    }
  }

  private static long step(Path checkpoint) {
    Matcher m = NAME.matcher(checkpoint.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(root)) {
      paths = new ArrayList<>(walk.toList());
    }
    paths.sort(Comparator.reverseOrder());
    for (Path p : paths) {
      Files.deleteIfExists(p);
    }
  }
}
