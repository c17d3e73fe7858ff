package bert4j.runtime.io.tf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files of a V2 checkpoint with prefix {@code P}: {@code P.index} and the data shards
 * {@code P.data-00000-of-0000N}; and how a path a user gives (the prefix, one of those files, or a
 * directory) leads to the prefix.
 */
final class CheckpointPaths {
  private static final String INDEX = ".index";
  private static final Pattern DATA_SUFFIX = Pattern.compile("\\.data-\\d{5}-of-\\d{5}$");
  private static final Pattern MODEL_CHECKPOINT_PATH =
      Pattern.compile("^\\s*model_checkpoint_path\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*$", Pattern.MULTILINE);

  private CheckpointPaths() {}

  static Path index(Path prefix) {
    return prefix.resolveSibling(prefix.getFileName() + INDEX);
  }

  static Path data(Path prefix, int shard, int numShards) {
    return prefix.resolveSibling(prefix.getFileName() + String.format(".data-%05d-of-%05d", shard, numShards));
  }

  /**
   * The prefix that {@code given} names: a directory (its {@code checkpoint} file's
   * {@code model_checkpoint_path}, taken in the directory when it names a directory the checkpoint is not
   * in, or else its only {@code *.index} file), an {@code .index} or data file, or the prefix itself.
   */
  static Path prefixOf(Path given) throws IOException {
    if (Files.isDirectory(given)) {
      return prefixInDirectory(given);
    }
    String name = given.getFileName().toString();
    if (name.endsWith(INDEX) && name.length() > INDEX.length()) {
      return given.resolveSibling(name.substring(0, name.length() - INDEX.length()));
    }
    Matcher data = DATA_SUFFIX.matcher(name);
    if (data.find() && data.start() > 0) {
      return given.resolveSibling(name.substring(0, data.start()));
    }
    if (!Files.exists(index(given))) {
      throw new NoSuchFileException(index(given).toString(), null, Files.exists(given)
          ? "there is no index beside this file: a TensorFlow V2 checkpoint is named by its prefix (model.ckpt"
              + " for model.ckpt.index and model.ckpt.data-00000-of-00001); V1 checkpoints are not read"
          : "no such checkpoint: a TensorFlow V2 checkpoint is named by its prefix (model.ckpt for"
              + " model.ckpt.index and model.ckpt.data-00000-of-00001), its index file or its directory");
    }
    return given;
  }

  private static Path prefixInDirectory(Path directory) throws IOException {
    Path state = directory.resolve("checkpoint");
    if (Files.isRegularFile(state)) {
      String text = Files.readString(state, StandardCharsets.UTF_8);
      Matcher m = MODEL_CHECKPOINT_PATH.matcher(text);
      if (!m.find()) {
        throw new TfCheckpointFormatException(state, "no model_checkpoint_path: \"...\" line");
      }
      Path named = directory.resolve(unescape(m.group(1)));
      Path beside = directory.resolve(named.getFileName());
      // an absolute path from the machine that saved it, the checkpoint since moved here with its directory
      return !Files.exists(index(named)) && Files.exists(index(beside)) ? beside : named;
    }
    List<Path> indexes = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + INDEX)) {
      files.forEach(indexes::add);
    }
    if (indexes.size() != 1) {
      throw new NoSuchFileException(directory.toString(), null, "the directory has no checkpoint file and "
          + (indexes.isEmpty() ? "no *.index file" : indexes.size() + " *.index files " + indexes.stream()
              .map(p -> p.getFileName().toString()).sorted().toList())
          + "; name the checkpoint by its prefix");
    }
    return prefixOf(indexes.get(0));
  }

  /** A text-format protobuf string's contents: C escapes, octal and hex bytes, as UTF-8. */
  private static String unescape(String escaped) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] in = escaped.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < in.length; i++) {
      if (in[i] != '\\' || i + 1 == in.length) {
        bytes.write(in[i]);
        continue;
      }
      char c = (char) in[++i];
      switch (c) {
        case 'n' -> bytes.write('\n');
        case 't' -> bytes.write('\t');
        case 'r' -> bytes.write('\r');
        case 'x' -> {
          int end = i + 1;
          while (end < in.length && end < i + 3 && Character.digit(in[end], 16) >= 0) {
            end++;
          }
          if (end == i + 1) {
            bytes.write('x');
          } else {
            bytes.write(Integer.parseInt(new String(in, i + 1, end - i - 1, StandardCharsets.US_ASCII), 16));
            i = end - 1;
          }
        }
        default -> {
          if (c >= '0' && c <= '7') {
            int end = i;
            while (end < in.length && end < i + 3 && in[end] >= '0' && in[end] <= '7') {
              end++;
            }
            bytes.write(Integer.parseInt(new String(in, i, end - i, StandardCharsets.US_ASCII), 8));
            i = end - 1;
          } else {
            bytes.write(c);
          }
        }
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
