package bert4j.runtime.text;

import java.util.Arrays;

/**
 * The vocabulary as a character trie, for greedy longest-match WordPiece without building a substring
 * per attempt. Node 0 is the root; the node reached by {@code ##} is the root of word continuations.
 * Edges live in one open-addressing hash table keyed by (node, UTF-16 char).
 *
 * <p>Only tokens that can match get a path: a piece is part of a word of at most {@code maxWordLength}
 * code points, so a token longer than that (not counting a leading {@code ##}) is left out. A hostile
 * vocabulary line of millions of characters would otherwise cost tens of bytes of trie per character;
 * its id in the {@link Vocabulary} is unaffected.
 */
final class WordPieceTrie {
  private static final long EMPTY = -1L;

  private long[] keys;
  private int[] children;
  private int mask;
  private int edges;
  private int[] tokenIds;
  private int nodes = 1;
  private final int continuationRoot;

  WordPieceTrie(Vocabulary vocabulary, int maxWordLength) {
    int capacity = Integer.highestOneBit(Math.max(16, vocabulary.size() * 8)) * 2;
    keys = new long[capacity];
    Arrays.fill(keys, EMPTY);
    children = new int[capacity];
    mask = capacity - 1;
    tokenIds = new int[Math.max(16, vocabulary.size() * 2)];
    Arrays.fill(tokenIds, -1);
    for (int id = 0; id < vocabulary.size(); id++) {
      String token = vocabulary.token(id);
      if (!canMatch(token, maxWordLength)) {
        continue;
      }
      int node = 0;
      for (int i = 0; i < token.length(); i++) {
        node = childOrAdd(node, token.charAt(i));
      }
      tokenIds[node] = id;
    }
    int hashes = child(0, '#');
    continuationRoot = hashes < 0 ? -1 : child(hashes, '#');
  }

  /**
   * Whether {@code token} fits in a word of {@code maxWordLength} code points: a piece never has more
   * code points than its word, so a longer token can never come out of tokenization.
   */
  private static boolean canMatch(String token, int maxWordLength) {
    int stem = token.startsWith("##") ? 2 : 0;
    return token.codePointCount(stem, token.length()) <= maxWordLength;
  }

  /** The root of pieces that start a word. */
  static int root() {
    return 0;
  }

  /** The root of {@code ##} pieces that continue a word, or −1 if the vocabulary has none. */
  int continuationRoot() {
    return continuationRoot;
  }

  /** The child of {@code node} along {@code c}, or −1. */
  int child(int node, char c) {
    long key = key(node, c);
    int slot = slot(key);
    while (true) {
      long k = keys[slot];
      if (k == key) {
        return children[slot];
      }
      if (k == EMPTY) {
        return -1;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** The token id that ends at {@code node}, or −1. */
  int tokenId(int node) {
    return tokenIds[node];
  }

  private int childOrAdd(int node, char c) {
    int existing = child(node, c);
    if (existing >= 0) {
      return existing;
    }
    if ((edges + 1) * 2 > keys.length) {
      grow();
    }
    int created = nodes++;
    if (created >= tokenIds.length) {
      int old = tokenIds.length;
      tokenIds = Arrays.copyOf(tokenIds, old * 2);
      Arrays.fill(tokenIds, old, tokenIds.length, -1);
    }
    insert(key(node, c), created);
    return created;
  }

  private void insert(long key, int child) {
    int slot = slot(key);
    while (keys[slot] != EMPTY) {
      slot = (slot + 1) & mask;
    }
    keys[slot] = key;
    children[slot] = child;
    edges++;
  }

  private void grow() {
    long[] oldKeys = keys;
    int[] oldChildren = children;
    keys = new long[oldKeys.length * 2];
    Arrays.fill(keys, EMPTY);
    children = new int[oldKeys.length * 2];
    mask = keys.length - 1;
    edges = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != EMPTY) {
        insert(oldKeys[i], oldChildren[i]);
      }
    }
  }

  private static long key(int node, char c) {
    return ((long) node << 16) | c;
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }
}
