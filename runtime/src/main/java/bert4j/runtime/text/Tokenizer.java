package bert4j.runtime.text;

import bert4j.runtime.data.TruncateSequences;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * BERT's WordPiece tokenizer with the behaviour of bert4keras's {@code Tokenizer}, which gives the same
 * ids as Hugging Face's {@code BertTokenizer} for the same vocabulary and text except where noted below.
 * Thread-safe.
 *
 * <p>The steps, per character of the text:
 * <ol>
 *   <li>with {@code lowercase} (bert4keras {@code do_lower_case}): lowercase, decompose (NFD) and drop
 *       the non-spacing marks, so {@code "Café"} becomes {@code "cafe"};
 *   <li>drop NUL, U+FFFD and control or format characters (Cc, Cf; tab, CR and LF are whitespace);
 *   <li>split at whitespace, and make every punctuation character and every CJK ideograph a word of its
 *       own (see {@link CharClasses});
 *   <li>split every word into the longest vocabulary piece that starts it, then the longest {@code ##}
 *       piece that continues it, and so on; a word with no such split, or longer than
 *       {@code maxWordLength} (200) code points, becomes one [UNK].
 * </ol>
 * Each token keeps the span of the original text it came from ({@link Encoding#starts()},
 * {@link Encoding#ends()}), which is what bert4keras computes afterwards with {@code rematch}.
 *
 * <p>Where bert4keras and Hugging Face differ, bert4j follows bert4keras:
 * <ul>
 *   <li>{@link #tokenize} returns {@code [CLS] … [SEP]} (Hugging Face's {@code tokenize} has no special
 *       tokens);
 *   <li>special tokens written in the text, such as {@code "[MASK]"}, are plain text split into
 *       {@code [ mask ]} (Hugging Face keeps them whole);
 *   <li>unassigned (Cn), private-use (Co) and lone surrogate (Cs) code points stay and become [UNK]
 *       (Hugging Face drops them as control characters);
 *   <li>a word becomes [UNK] beyond 200 code points (Hugging Face: 100);
 *   <li>truncation of a pair removes from the longer text and, on a tie, from the first (the
 *       {@code longest_first} of Hugging Face's Python {@code BertTokenizer} removes from the second
 *       on a tie);
 *   <li>{@link #decode} is bert4keras's, not Hugging Face's {@code clean_up_tokenization_spaces};
 *   <li>lowercasing always strips accents (Hugging Face has a separate {@code strip_accents}), and recent
 *       Hugging Face versions NFC-normalize first, which only matters for a cased vocabulary.
 * </ul>
 * And where bert4j differs from bert4keras, on purpose:
 * <ul>
 *   <li>an unknown word's token is {@code "[UNK]"}, as in Hugging Face (bert4keras's {@code tokenize}
 *       returns the word itself; its id is [UNK] in both), and its span is still the word;
 *   <li>lowercasing works per character (with Python's final-sigma rule), so offsets stay right where
 *       bert4keras's {@code rematch} shifts them (a character whose lowercase is longer, such as U+0130);
 *   <li>offsets are UTF-16 indices of the Java string (bert4keras: code point indices);
 *   <li>character categories and case mappings come from the JDK's Unicode tables (Unicode 13 on JDK 17);
 *       Python's {@code unicodedata} may be newer, and about 840 rarely used code points, mostly
 *       assigned since, then fall into different classes.
 * </ul>
 */
public final class Tokenizer {
  /** bert4keras's {@code word_maxlen}: longer words become [UNK]. */
  public static final int DEFAULT_MAX_WORD_LENGTH = 200;

  private static final Pattern SPACES = Pattern.compile(" +");
  private static final Pattern CONTRACTION = Pattern.compile("' (re|m|s|t|ve|d|ll) ");
  private static final Pattern SPACE_AFTER_PUNCTUATION = spaceAfter(
      "\uff02\uff03\uff04\uff05\uff06\uff07\uff08\uff09\uff0a\uff0b\uff0c\uff0d\uff0f\uff1a\uff1b"
          + "\uff1c\uff1d\uff1e\uff20\uff3b\uff3c\uff3d\uff3e\uff3f\uff40\uff5b\uff5c\uff5d\uff5e"
          + "\uff5f\uff60\uff62\uff63\uff64\u3000\u3001\u3003\u3008\u3009\u300a\u300b\u300c\u300d"
          + "\u300e\u300f\u3010\u3011\u3014\u3015\u3016\u3017\u3018\u3019\u301a\u301b\u301c\u301d"
          + "\u301e\u301f\u3030\u303e\u303f\u2013\u2014\u2018\u2019\u201b\u201c\u201d\u201e\u201f"
          + "\u2026\u2027\ufe4f\ufe51\ufe54\u00b7\uff01\uff1f\uff61\u3002"
          + "+-/={(<[");
  private static final Pattern DECIMAL_POINT =
      Pattern.compile("(\\d\\.) (\\d)", Pattern.UNICODE_CHARACTER_CLASS);

  private final Vocabulary vocabulary;
  private final WordPieceTrie trie;
  private final boolean lowercase;
  private final int maxWordLength;
  private final int unkId;
  private final int clsId;
  private final int sepId;

  private Tokenizer(Vocabulary vocabulary, boolean lowercase, int maxWordLength) {
    this.vocabulary = vocabulary;
    this.trie = new WordPieceTrie(vocabulary, maxWordLength);
    this.lowercase = lowercase;
    this.maxWordLength = maxWordLength;
    this.unkId = vocabulary.id(Vocabulary.UNK);
    this.clsId = vocabulary.id(Vocabulary.CLS);
    this.sepId = vocabulary.id(Vocabulary.SEP);
  }

  /**
   * A lowercasing tokenizer (as every bert4keras example and Hugging Face's default use it) for a
   * {@code vocab.txt}.
   *
   * @throws VocabularyException if the file cannot serve as a vocabulary; see {@link Vocabulary#load}
   */
  public static Tokenizer fromVocab(Path vocabFile) throws VocabularyException {
    return builder(Vocabulary.load(vocabFile)).build();
  }

  /**
   * A lowercasing tokenizer for a {@code vocab.txt} read from a stream (for example a class-path
   * resource), which it does not close; {@code source} names it in error messages.
   */
  public static Tokenizer fromVocab(InputStream vocab, String source) throws VocabularyException {
    return builder(Vocabulary.read(vocab, source)).build();
  }

  /** Options for a tokenizer of {@code vocabulary}: lowercasing on, words up to 200 code points. */
  public static Builder builder(Vocabulary vocabulary) {
    if (vocabulary == null) {
      throw new IllegalArgumentException("a tokenizer needs a vocabulary");
    }
    return new Builder(vocabulary);
  }

  /** Options of a {@link Tokenizer}. */
  public static final class Builder {
    private final Vocabulary vocabulary;
    private boolean lowercase = true;
    private int maxWordLength = DEFAULT_MAX_WORD_LENGTH;

    private Builder(Vocabulary vocabulary) {
      this.vocabulary = vocabulary;
    }

    /**
     * Whether to lowercase and strip accents (bert4keras {@code do_lower_case}). Default true:
     * bert4keras's constructor defaults to false, but its Chinese examples all pass true and Hugging Face
     * defaults to true; with false, the uncased Chinese vocabulary maps every capitalized word to [UNK].
     */
    public Builder lowercase(boolean lowercase) {
      this.lowercase = lowercase;
      return this;
    }

    /** Words longer than this many code points become [UNK] (bert4keras {@code word_maxlen}; 200). */
    public Builder maxWordLength(int maxWordLength) {
      if (maxWordLength < 1) {
        throw new IllegalArgumentException("maxWordLength must be >= 1, got " + maxWordLength);
      }
      this.maxWordLength = maxWordLength;
      return this;
    }

    /** The tokenizer. */
    public Tokenizer build() {
      return new Tokenizer(vocabulary, lowercase, maxWordLength);
    }
  }

  /** The vocabulary. */
  public Vocabulary vocabulary() {
    return vocabulary;
  }

  /** Whether this tokenizer lowercases and strips accents. */
  public boolean lowercase() {
    return lowercase;
  }

  /** Number of tokens in the vocabulary: every id is in {@code [0, vocabSize())}. */
  public int vocabSize() {
    return vocabulary.size();
  }

  /** The id of [UNK]. */
  public int unkId() {
    return unkId;
  }

  /** The id of [CLS], the first token of every encoding. */
  public int clsId() {
    return clsId;
  }

  /** The id of [SEP], which ends each text of an encoding. */
  public int sepId() {
    return sepId;
  }

  /**
   * The id of a token, or the id of [UNK] if the vocabulary lacks it (bert4keras token_to_id).
   *
   * @throws IllegalArgumentException if {@code token} is null
   */
  public int tokenToId(String token) {
    requireNonNull(token, "token");
    int id = vocabulary.id(token);
    return id < 0 ? unkId : id;
  }

  /** The token of an id; an id outside the vocabulary is an {@link IllegalArgumentException}. */
  public String idToToken(int id) {
    return vocabulary.token(id);
  }

  /** {@link #tokenToId} of each token; a null token is an {@link IllegalArgumentException}. */
  public int[] tokensToIds(List<String> tokens) {
    requireNonNull(tokens, "tokens");
    int[] ids = new int[tokens.size()];
    for (int i = 0; i < ids.length; i++) {
      String token = tokens.get(i);
      if (token == null) {
        throw new IllegalArgumentException("token " + i + " is null");
      }
      ids[i] = tokenToId(token);
    }
    return ids;
  }

  /** {@link #idToToken} of each id. */
  public List<String> idsToTokens(int[] ids) {
    requireNonNull(ids, "ids");
    List<String> tokens = new ArrayList<>(ids.length);
    for (int id : ids) {
      tokens.add(idToToken(id));
    }
    return tokens;
  }

  /** The tokens of {@code text}, between [CLS] and [SEP] (bert4keras {@code tokenize}). */
  public List<String> tokenize(String text) {
    return idsToTokens(encode(text).tokenIds());
  }

  /** The tokens of {@code text}, between [CLS] and [SEP], at most {@code maxLen} of them in all. */
  public List<String> tokenize(String text, int maxLen) {
    return idsToTokens(encode(text, maxLen).tokenIds());
  }

  /** {@code [CLS] text [SEP]}, all of it. */
  public Encoding encode(String text) {
    return single(text, Integer.MAX_VALUE, Truncation.RIGHT);
  }

  /** {@code [CLS] text [SEP]} with at most {@code maxLen} tokens in all (≥ 2), cut at the right. */
  public Encoding encode(String text, int maxLen) {
    return encode(text, maxLen, Truncation.RIGHT);
  }

  /** {@code [CLS] text [SEP]} with at most {@code maxLen} tokens in all (≥ 2), cut at {@code from}. */
  public Encoding encode(String text, int maxLen, Truncation from) {
    requireNonNull(from, "truncation");
    if (maxLen < 2) {
      throw new IllegalArgumentException("maxLen must be >= 2 to hold [CLS] and [SEP], got " + maxLen);
    }
    return single(text, maxLen, from);
  }

  /** {@code [CLS] first [SEP] second [SEP]}, all of it; segment ids 0 then 1. */
  public Encoding encode(String first, String second) {
    return pair(first, second, Integer.MAX_VALUE, Truncation.RIGHT);
  }

  /**
   * {@code [CLS] first [SEP] second [SEP]} with at most {@code maxLen} tokens in all (≥ 3): while too
   * long, the longer text (counting its [CLS] and [SEP], the first on a tie) loses its last token.
   */
  public Encoding encode(String first, String second, int maxLen) {
    return encode(first, second, maxLen, Truncation.RIGHT);
  }

  /** As {@link #encode(String, String, int)}, losing tokens at {@code from}. */
  public Encoding encode(String first, String second, int maxLen, Truncation from) {
    requireNonNull(from, "truncation");
    if (maxLen < 3) {
      throw new IllegalArgumentException("maxLen must be >= 3 to hold [CLS], [SEP] and [SEP], got "
          + maxLen);
    }
    return pair(first, second, maxLen, from);
  }

  private Encoding single(String text, int maxLen, Truncation from) {
    PieceBuffer pieces = pieces(text);
    int length = TruncateSequences.truncatedLengths(maxLen, pieces.size + 2)[0];
    int n = length;
    int[] ids = new int[n];
    int[] starts = new int[n];
    int[] ends = new int[n];
    int at = putSpecial(ids, starts, ends, 0, clsId);
    at = putPieces(pieces, length - 2, from, ids, starts, ends, at);
    putSpecial(ids, starts, ends, at, sepId);
    return new Encoding(ids, new int[n], starts, ends);
  }

  private Encoding pair(String first, String second, int maxLen, Truncation from) {
    PieceBuffer a = pieces(first);
    PieceBuffer b = pieces(second);
    // bert4keras truncates [CLS] a [SEP] and [CLS] b [SEP] to maxLen + 1, then drops the second [CLS].
    int budget = maxLen == Integer.MAX_VALUE ? maxLen : maxLen + 1;
    int[] lengths = TruncateSequences.truncatedLengths(budget, a.size + 2, b.size + 2);
    int n = lengths[0] + lengths[1] - 1;
    int[] ids = new int[n];
    int[] segments = new int[n];
    int[] starts = new int[n];
    int[] ends = new int[n];
    int at = putSpecial(ids, starts, ends, 0, clsId);
    at = putPieces(a, lengths[0] - 2, from, ids, starts, ends, at);
    at = putSpecial(ids, starts, ends, at, sepId);
    int secondStart = at;
    at = putPieces(b, lengths[1] - 2, from, ids, starts, ends, at);
    putSpecial(ids, starts, ends, at, sepId);
    Arrays.fill(segments, secondStart, n, 1);
    return new Encoding(ids, segments, starts, ends);
  }

  private static int putSpecial(int[] ids, int[] starts, int[] ends, int at, int id) {
    ids[at] = id;
    starts[at] = -1;
    ends[at] = -1;
    return at + 1;
  }

  private static int putPieces(PieceBuffer pieces, int keep, Truncation from, int[] ids, int[] starts,
      int[] ends, int at) {
    int first = from == Truncation.LEFT ? pieces.size - keep : 0;
    System.arraycopy(pieces.ids, first, ids, at, keep);
    System.arraycopy(pieces.starts, first, starts, at, keep);
    System.arraycopy(pieces.ends, first, ends, at, keep);
    return at + keep;
  }

  /**
   * The span of each token in {@code text} (bert4keras {@code rematch}), for tokens that came from
   * {@link #tokenize} of that text, possibly truncated: each token maps to its next occurrence among the
   * text's own tokens after the previous match; special tokens other than [UNK] map to
   * {@link TokenSpan#NONE}. A token the vocabulary lacks matches an [UNK] (so bert4keras-style tokens
   * that spell out an unknown word work too).
   *
   * @throws IllegalArgumentException if the text, the list or a token is null, or a token does not
   *     occur in the rest of the text
   */
  public List<TokenSpan> rematch(String text, List<String> tokens) {
    requireNonNull(tokens, "tokens");
    PieceBuffer pieces = pieces(text);
    List<TokenSpan> spans = new ArrayList<>(tokens.size());
    int next = 0;
    for (int t = 0; t < tokens.size(); t++) {
      String token = tokens.get(t);
      if (token == null) {
        throw new IllegalArgumentException("token " + t + " to rematch is null");
      }
      if (isSpecial(token) && !Vocabulary.UNK.equals(token)) {
        spans.add(TokenSpan.NONE);
        continue;
      }
      int id = tokenToId(token);
      int found = next;
      while (found < pieces.size && pieces.ids[found] != id) {
        found++;
      }
      if (found == pieces.size) {
        throw new IllegalArgumentException("token " + t + " '" + token
            + "' does not occur in the text after the tokens before it");
      }
      spans.add(new TokenSpan(pieces.starts[found], pieces.ends[found]));
      next = found + 1;
    }
    return spans;
  }

  /**
   * Readable text from ids (bert4keras {@code decode}): special tokens ([CLS], [SEP], [PAD], [UNK], …)
   * are left out, {@code ##} pieces join the token before, CJK characters join without spaces, other
   * tokens are separated by a space, and spacing around punctuation, English contractions and decimal
   * points is tidied.
   */
  public String decode(int[] ids) {
    requireNonNull(ids, "ids");
    StringBuilder text = new StringBuilder();
    int index = 0;
    for (int id : ids) {
      String token = idToToken(id);
      if (isSpecial(token)) {
        continue;
      }
      boolean single = token.codePointCount(0, token.length()) == 1;
      int c = token.codePointAt(0);
      if (token.startsWith("##")) {
        text.append(token, 2, token.length());
      } else if (single && CharClasses.isCjk(c)) {
        text.append(token);
      } else if (single && CharClasses.isPunctuation(c)) {
        text.append(token).append(' ');
      } else if (index > 0 && text.length() > 0
          && CharClasses.isCjk(Character.codePointBefore(text, text.length()))) {
        text.append(token);
      } else {
        text.append(' ').append(token);
      }
      index++;
    }
    String result = SPACES.matcher(text).replaceAll(" ");
    result = CONTRACTION.matcher(result).replaceAll("'$1 ");
    result = SPACE_AFTER_PUNCTUATION.matcher(result).replaceAll("$1");
    result = DECIMAL_POINT.matcher(result).replaceAll("$1$2");
    return stripPythonWhitespace(result);
  }

  private static void requireNonNull(Object argument, String name) {
    if (argument == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
  }

  /** bert4keras {@code _is_special}: a token in square brackets. */
  private static boolean isSpecial(String token) {
    return token.length() >= 2 && token.charAt(0) == '[' && token.charAt(token.length() - 1) == ']';
  }

  private static Pattern spaceAfter(String characters) {
    StringBuilder alternatives = new StringBuilder();
    characters.codePoints().forEach(c -> {
      if (alternatives.length() > 0) {
        alternatives.append('|');
      }
      alternatives.append(Pattern.quote(Character.toString(c)));
    });
    return Pattern.compile("(" + alternatives + ") ");
  }

  private static String stripPythonWhitespace(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && CharClasses.isPythonWhitespace(s.codePointAt(start))) {
      start += Character.charCount(s.codePointAt(start));
    }
    while (end > start && CharClasses.isPythonWhitespace(s.codePointBefore(end))) {
      end -= Character.charCount(s.codePointBefore(end));
    }
    return s.substring(start, end);
  }

  /** The word pieces of {@code text}, with spans, before special tokens and truncation. */
  private PieceBuffer pieces(String text) {
    if (text == null) {
      throw new IllegalArgumentException("text to tokenize is null");
    }
    Words words = new Words();
    int n = text.length();
    for (int i = 0; i < n; ) {
      char ch = text.charAt(i);
      if (ch < 0x80) {
        char c = lowercase && ch >= 'A' && ch <= 'Z' ? (char) (ch + 32) : ch;
        words.accept(c, i, i + 1);
        i++;
        continue;
      }
      int cp = text.codePointAt(i);
      int next = i + Character.charCount(cp);
      String normalized = lowercase ? LowercaseNormalizer.normalize(cp, text, i) : null;
      if (normalized == null) {
        words.accept(cp, i, next);
      } else {
        for (int k = 0; k < normalized.length(); ) {
          int c = normalized.codePointAt(k);
          words.accept(c, i, next);
          k += Character.charCount(c);
        }
      }
      i = next;
    }
    words.flush();
    return words.pieces;
  }

  /** Collects the characters of one word at a time and splits each word into pieces. */
  private final class Words {
    final PieceBuffer pieces = new PieceBuffer();
    private char[] chars = new char[32];
    private int[] from = new int[32];
    private int[] to = new int[32];
    private int length;
    private int codePoints;

    /** One normalized code point that came from characters {@code [start, end)} of the text. */
    void accept(int cp, int start, int end) {
      switch (CharClasses.classOf(cp)) {
        case CharClasses.WORD -> append(cp, start, end);
        case CharClasses.SPLIT -> {
          flush();
          append(cp, start, end);
          flush();
        }
        case CharClasses.SPACE -> flush();
        default -> { } // DROP
      }
    }

    private void append(int cp, int start, int end) {
      if (length + 2 > chars.length) {
        int capacity = chars.length * 2;
        chars = Arrays.copyOf(chars, capacity);
        from = Arrays.copyOf(from, capacity);
        to = Arrays.copyOf(to, capacity);
      }
      if (cp < 0x10000) {
        chars[length] = (char) cp;
        from[length] = start;
        to[length] = end;
        length++;
      } else {
        chars[length] = Character.highSurrogate(cp);
        chars[length + 1] = Character.lowSurrogate(cp);
        from[length] = start;
        from[length + 1] = start;
        to[length] = end;
        to[length + 1] = end;
        length += 2;
      }
      codePoints++;
    }

    /** Greedy longest-match WordPiece of the word collected so far. */
    void flush() {
      if (length == 0) {
        return;
      }
      int mark = pieces.size;
      boolean known = codePoints <= maxWordLength;
      int start = 0;
      while (known && start < length) {
        int node = start == 0 ? WordPieceTrie.root() : trie.continuationRoot();
        int best = -1;
        int bestEnd = start;
        for (int j = start; j < length && node >= 0; j++) {
          node = trie.child(node, chars[j]);
          if (node >= 0 && trie.tokenId(node) >= 0) {
            best = trie.tokenId(node);
            bestEnd = j + 1;
          }
        }
        if (best < 0) {
          known = false;
        } else {
          pieces.add(best, from[start], to[bestEnd - 1]);
          start = bestEnd;
        }
      }
      if (!known) {
        pieces.size = mark;
        pieces.add(unkId, from[0], to[length - 1]);
      }
      length = 0;
      codePoints = 0;
    }
  }

  @Override
  public String toString() {
    return "Tokenizer[" + vocabulary + (lowercase ? ", lowercase" : "") + "]";
  }
}
