package bert4j.runtime.text;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A WordPiece vocabulary: token {@code i} is line {@code i + 1} of a {@code vocab.txt} (UTF-8, one token
 * per line, {@code ##} marking a piece that continues a word). It must hold {@code [UNK]}, {@code [CLS]}
 * and {@code [SEP]}.
 *
 * <p>A line is the token, without its line terminator ({@code \n} or {@code \r\n}; a leading byte-order
 * mark is ignored), as in Hugging Face. bert4keras {@code load_vocab} keeps only the first
 * whitespace-separated field of a line: the Chinese BERT vocabulary's line 344, U+2028 (a line
 * separator), becomes an empty token there and its line 13503, {@code ##} U+2028, becomes {@code ##};
 * neither can come out of tokenization, so ids agree. An empty or duplicate line is an error naming the
 * line, since bert4keras would silently shift every later id.
 */
public final class Vocabulary {
  /** The tokens every BERT encoding needs. */
  static final String UNK = "[UNK]";
  static final String CLS = "[CLS]";
  static final String SEP = "[SEP]";
  static final String PAD = "[PAD]";

  /** The tokens bert4keras examples keep first when they simplify a vocabulary. */
  private static final List<String> STANDARD_START = List.of(PAD, UNK, CLS, SEP);

  private final String source;
  private final String[] tokens;
  private final Map<String, Integer> ids;

  private Vocabulary(String source, String[] tokens) {
    this.source = source;
    this.tokens = tokens;
    this.ids = new HashMap<>(tokens.length * 2);
    for (int i = 0; i < tokens.length; i++) {
      ids.put(tokens[i], i);
    }
  }

  /**
   * Reads a {@code vocab.txt}.
   *
   * @throws VocabularyException if the file is missing, unreadable, empty, not UTF-8, has an empty or
   *     duplicate line, or lacks [UNK], [CLS] or [SEP]; the message names the file
   * @throws IllegalArgumentException if {@code file} is null
   */
  public static Vocabulary load(Path file) throws VocabularyException {
    if (file == null) {
      throw new IllegalArgumentException("the vocabulary file is null");
    }
    String source = file.toString();
    if (!Files.exists(file)) {
      throw new VocabularyException(source, "file not found");
    }
    if (Files.isDirectory(file)) {
      throw new VocabularyException(source, "is a directory, not a vocab.txt file");
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new VocabularyException(source, "cannot be read (" + e + ")", e);
    }
    return parse(source, bytes);
  }

  /**
   * Reads a {@code vocab.txt} from a stream (for example a class-path resource), which it does not
   * close; {@code source} names it in error messages.
   *
   * @throws VocabularyException as {@link #load(Path)}, or if the stream cannot be read
   */
  public static Vocabulary read(InputStream in, String source) throws VocabularyException {
    if (in == null) {
      throw new VocabularyException(source, "not found (no stream)");
    }
    byte[] bytes;
    try {
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new VocabularyException(source, "cannot be read (" + e + ")", e);
    }
    return parse(source, bytes);
  }

  /**
   * A vocabulary from a list of tokens in id order.
   *
   * @throws IllegalArgumentException under the same rules as {@link #load(Path)}, a token's line being
   *     its index + 1
   */
  public static Vocabulary of(List<String> tokens) {
    if (tokens == null) {
      throw new IllegalArgumentException("vocabulary: the token list is null");
    }
    String[] array = tokens.toArray(new String[0]);
    String problem = problem(array);
    if (problem != null) {
      throw new IllegalArgumentException("vocabulary: " + problem);
    }
    return new Vocabulary("<list>", array);
  }

  private static Vocabulary parse(String source, byte[] bytes) throws VocabularyException {
    int start = 0;
    if (bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
        && (bytes[2] & 0xFF) == 0xBF) {
      start = 3;
    }
    if (start == bytes.length) {
      throw new VocabularyException(source, "file is empty");
    }
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    List<String> lines = new ArrayList<>();
    while (start < bytes.length) {
      int end = start;
      while (end < bytes.length && bytes[end] != '\n') {
        end++;
      }
      int next = end + 1;
      if (end > start && bytes[end - 1] == '\r') {
        end--;
      }
      try {
        CharBuffer line = decoder.decode(ByteBuffer.wrap(bytes, start, end - start));
        lines.add(line.toString());
      } catch (CharacterCodingException e) {
        throw new VocabularyException(source, "line " + (lines.size() + 1) + " is not valid UTF-8", e);
      }
      start = next;
    }
    String[] tokens = lines.toArray(new String[0]);
    String problem = problem(tokens);
    if (problem != null) {
      throw new VocabularyException(source, problem);
    }
    return new Vocabulary(source, tokens);
  }

  /** What is wrong with a token list, or null. */
  private static String problem(String[] tokens) {
    if (tokens.length == 0) {
      return "has no tokens";
    }
    Map<String, Integer> seen = new HashMap<>(tokens.length * 2);
    for (int i = 0; i < tokens.length; i++) {
      String token = tokens[i];
      if (token == null || token.isEmpty()) {
        return "line " + (i + 1) + " is empty (every line must hold one token)";
      }
      Integer previous = seen.putIfAbsent(token, i);
      if (previous != null) {
        return "line " + (i + 1) + " repeats the token '" + token + "' of line " + (previous + 1);
      }
    }
    for (String required : List.of(UNK, CLS, SEP)) {
      if (!seen.containsKey(required)) {
        return "lacks the token " + required + " (a BERT vocabulary needs [UNK], [CLS] and [SEP])";
      }
    }
    return null;
  }

  /** Where the vocabulary came from (a file name, a resource name, or {@code <list>}). */
  public String source() {
    return source;
  }

  /** Number of tokens. */
  public int size() {
    return tokens.length;
  }

  /** The token with id {@code id}. */
  public String token(int id) {
    if (id < 0 || id >= tokens.length) {
      throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
          + tokens.length + ") of " + source);
    }
    return tokens[id];
  }

  /** The id of {@code token}, or −1 if the vocabulary lacks it. */
  public int id(String token) {
    Integer id = ids.get(token);
    return id == null ? -1 : id;
  }

  /** Whether the vocabulary holds {@code token}. */
  public boolean contains(String token) {
    return ids.containsKey(token);
  }

  /** Every token in id order (unmodifiable). */
  public List<String> tokens() {
    return Collections.unmodifiableList(Arrays.asList(tokens));
  }

  /**
   * {@link #simplified(List)} keeping first the tokens bert4keras examples keep: [PAD], [UNK], [CLS],
   * [SEP] (those the vocabulary has). [MASK] goes, as in those examples; name it to keep it.
   */
  public SimplifiedVocabulary simplified() {
    return simplified(STANDARD_START.stream().filter(this::contains).toList());
  }

  /**
   * The vocabulary without the tokens Chinese text never produces, as bert4keras
   * {@code load_vocab(simplified=True, startswith=...)}: first the tokens of {@code startWith} in that
   * order, then, in id order, every other token that is a single character or whose text (without a
   * leading {@code ##}) has no CJK and no punctuation character. Special tokens such as [CLS] contain
   * punctuation, so they survive only through {@code startWith}; the result must hold [UNK], [CLS] and
   * [SEP].
   *
   * @throws IllegalArgumentException if a token of {@code startWith} is not in this vocabulary, or the
   *     result lacks a required token
   */
  public SimplifiedVocabulary simplified(List<String> startWith) {
    if (startWith == null) {
      throw new IllegalArgumentException("the start tokens of a simplified vocabulary are null");
    }
    LinkedHashSet<String> kept = new LinkedHashSet<>();
    List<Integer> keep = new ArrayList<>();
    for (String token : startWith) {
      int id = id(token);
      if (id < 0) {
        throw new IllegalArgumentException("cannot simplify " + source + ": it lacks the start token '"
            + token + "'");
      }
      if (kept.add(token)) {
        keep.add(id);
      }
    }
    for (int id = 0; id < tokens.length; id++) {
      String token = tokens[id];
      if (!kept.contains(token) && isKeptBySimplification(token)) {
        kept.add(token);
        keep.add(id);
      }
    }
    String[] newTokens = kept.toArray(new String[0]);
    String problem = problem(newTokens);
    if (problem != null) {
      throw new IllegalArgumentException("simplified " + source + ": " + problem
          + "; name it in startWith");
    }
    return new SimplifiedVocabulary(new Vocabulary(source + " (simplified)", newTokens),
        new KeepTokens(keep.stream().mapToInt(Integer::intValue).toArray()));
  }

  private static boolean isKeptBySimplification(String token) {
    if (token.codePointCount(0, token.length()) <= 1) {
      return true;
    }
    String stem = token.startsWith("##") ? token.substring(2) : token;
    return stem.codePoints().noneMatch(c -> CharClasses.isCjk(c) || CharClasses.isPunctuation(c));
  }

  @Override
  public String toString() {
    return "Vocabulary[" + source + ", " + tokens.length + " tokens]";
  }
}
