package bert4j.runtime.text.sentencepiece;

import java.util.Arrays;
import java.util.List;

/**
 * A trie over the UTF-8 bytes of a set of pieces, for walking the text one byte at a time (Viterbi,
 * longest match) and for finding a byte range's piece. Edges live in one open-addressing hash table
 * keyed by (node, byte), so the trie's size follows the vocabulary's bytes, not 256 per node.
 */
final class PieceTrie {
  /** The node of the empty prefix. */
  static final int ROOT = 0;

  private final long[] edgeKeys;
  private final int[] edgeTargets;
  private final int mask;
  private final int[] ids;

  /** A trie of {@code pieces[i]} with id {@code ids[i]}; a repeated piece keeps its first id. */
  PieceTrie(List<byte[]> pieces, int[] pieceIds) {
    int bytes = 0;
    for (byte[] piece : pieces) {
      bytes += piece.length;
    }
    int capacity = Integer.highestOneBit(Math.max(2, bytes * 2 + 1)) << 1;
    edgeKeys = new long[capacity];
    edgeTargets = new int[capacity];
    mask = capacity - 1;
    ids = new int[bytes + 1];
    Arrays.fill(ids, -1);
    int nodes = 1;
    for (int p = 0; p < pieces.size(); p++) {
      int node = ROOT;
      for (byte b : pieces.get(p)) {
        int next = child(node, b & 0xFF);
        if (next < 0) {
          next = nodes++;
          insert(node, b & 0xFF, next);
        }
        node = next;
      }
      if (ids[node] < 0) {
        ids[node] = pieceIds[p];
      }
    }
  }

  /** The node reached from {@code node} by byte {@code label} (0–255), or −1 if none. */
  int child(int node, int label) {
    long key = edgeKey(node, label);
    for (int slot = slot(key); ; slot = (slot + 1) & mask) {
      long k = edgeKeys[slot];
      if (k == key) {
        return edgeTargets[slot];
      }
      if (k == 0) {
        return -1;
      }
    }
  }

  /** The id of the piece that ends at {@code node}, or −1 if none does. */
  int id(int node) {
    return ids[node];
  }

  /** The id of the piece {@code bytes[from, to)}, or −1 if it is not in the trie. */
  int find(byte[] bytes, int from, int to) {
    int node = ROOT;
    for (int i = from; i < to && node >= 0; i++) {
      node = child(node, bytes[i] & 0xFF);
    }
    return node < 0 ? -1 : ids[node];
  }

  /** The length of the longest piece that starts {@code bytes[from, to)}, or 0 if none does. */
  int longestMatch(byte[] bytes, int from, int to) {
    int longest = 0;
    int node = ROOT;
    for (int i = from; i < to; i++) {
      node = child(node, bytes[i] & 0xFF);
      if (node < 0) {
        break;
      }
      if (ids[node] >= 0) {
        longest = i + 1 - from;
      }
    }
    return longest;
  }

  private void insert(int node, int label, int target) {
    long key = edgeKey(node, label);
    int slot = slot(key);
    while (edgeKeys[slot] != 0) {
      slot = (slot + 1) & mask;
    }
    edgeKeys[slot] = key;
    edgeTargets[slot] = target;
  }

  /** Never 0, which marks an empty slot. */
  private static long edgeKey(int node, int label) {
    return (((long) node << 8) | label) + 1;
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }
}
