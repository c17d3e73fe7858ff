package bert4j.runtime.text.sentencepiece;

import java.util.Arrays;
import java.util.List;

/**
 * A trie over the UTF-8 bytes of a set of pieces, for walking the text one byte at a time (Viterbi,
 * longest match) and for finding a byte range's piece. Stored as a double array: the child of node
 * {@code s} by byte {@code c} is {@code t = base[s] + c} if {@code check[t] == s}, so each step is two
 * array reads (the layout of the darts tries SentencePiece itself uses).
 */
final class PieceTrie {
  /** The node of the empty prefix. */
  static final int ROOT = 0;
  private static final int FREE = -1;

  private int[] base;
  private int[] check;
  private int[] ids;

  /** A trie of {@code pieces[i]} with id {@code ids[i]}; a repeated piece keeps its first id. */
  PieceTrie(List<byte[]> pieces, int[] pieceIds) {
    Builder tree = new Builder(pieces, pieceIds);
    int capacity = Math.max(512, tree.nodes * 2 + 256);
    base = new int[capacity];
    check = new int[capacity];
    ids = new int[capacity];
    Arrays.fill(check, FREE);
    Arrays.fill(ids, -1);
    check[ROOT] = Integer.MIN_VALUE; // taken by the root, so no child lands there
    place(tree);
  }

  /** The node reached from {@code node} by byte {@code label} (0–255), or −1 if none. */
  int child(int node, int label) {
    int t = base[node] + label;
    return t < check.length && check[t] == node ? t : -1;
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

  /** Gives every node of the tree a slot, breadth first, each node's children at its base + byte. */
  private void place(Builder tree) {
    int[] slotOf = new int[tree.nodes];
    int[] queue = new int[tree.nodes];
    int head = 0;
    int tail = 0;
    queue[tail++] = 0;
    int scanFrom = 1;
    while (head < tail) {
      int node = queue[head++];
      int slot = slotOf[node];
      ids[slot] = tree.ids[node];
      int from = tree.firstChild[node];
      int to = tree.firstChild[node + 1];
      if (from == to) {
        continue;
      }
      // Darts' search for a base: try the free slots from scanFrom on; once the slots passed over are
      // nearly all taken, start later searches further on, so that placing stays about linear.
      int lowest = tree.labels[from];
      int pos = Math.max(lowest + 1, scanFrom) - 1;
      int taken = 0;
      boolean firstFreeSeen = false;
      int b;
      while (true) {
        pos++;
        grow(pos + 1);
        if (check[pos] != FREE) {
          taken++;
          continue;
        }
        if (!firstFreeSeen) {
          scanFrom = pos;
          firstFreeSeen = true;
        }
        b = pos - lowest;
        if (fits(b, tree.labels, from, to)) {
          break;
        }
      }
      if (taken >= 0.95 * (pos - scanFrom + 1)) {
        scanFrom = pos;
      }
      base[slot] = b;
      for (int k = from; k < to; k++) {
        int child = b + tree.labels[k];
        check[child] = slot;
        slotOf[tree.children[k]] = child;
        queue[tail++] = tree.children[k];
      }
    }
  }

  private boolean fits(int b, int[] labels, int from, int to) {
    grow(b + 256);
    for (int k = from; k < to; k++) {
      if (check[b + labels[k]] != FREE) {
        return false;
      }
    }
    return true;
  }

  private void grow(int size) {
    if (size <= check.length) {
      return;
    }
    int capacity = Math.max(size, check.length * 3 / 2);
    int old = check.length;
    base = Arrays.copyOf(base, capacity);
    check = Arrays.copyOf(check, capacity);
    ids = Arrays.copyOf(ids, capacity);
    Arrays.fill(check, old, capacity, FREE);
    Arrays.fill(ids, old, capacity, -1);
  }

  /** The trie as a tree before placing: node 0 the root, each node's children sorted by byte. */
  private static final class Builder {
    int nodes = 1;
    final int[] ids;
    /** The children of node {@code n} are {@code children[firstChild[n] .. firstChild[n + 1])}. */
    final int[] firstChild;
    final int[] children;
    final int[] labels;

    Builder(List<byte[]> pieces, int[] pieceIds) {
      int bytes = 0;
      for (byte[] piece : pieces) {
        bytes += piece.length;
      }
      int[] parent = new int[bytes + 1];
      int[] label = new int[bytes + 1];
      int[] nodeIds = new int[bytes + 1];
      Arrays.fill(nodeIds, -1);
      // The edges while building: an open-addressing table from (node, byte) to the child.
      int capacity = Integer.highestOneBit(Math.max(2, bytes * 2 + 1)) << 1;
      long[] edgeKeys = new long[capacity];
      int[] edgeTargets = new int[capacity];
      for (int p = 0; p < pieces.size(); p++) {
        int node = 0;
        for (byte b : pieces.get(p)) {
          long key = (((long) node << 8) | (b & 0xFF)) + 1; // never 0, which marks a free slot
          long h = key * 0x9E3779B97F4A7C15L;
          int slot = (int) (h ^ (h >>> 32)) & (capacity - 1);
          while (edgeKeys[slot] != 0 && edgeKeys[slot] != key) {
            slot = (slot + 1) & (capacity - 1);
          }
          if (edgeKeys[slot] == 0) {
            edgeKeys[slot] = key;
            edgeTargets[slot] = nodes;
            parent[nodes] = node;
            label[nodes] = b & 0xFF;
            nodes++;
          }
          node = edgeTargets[slot];
        }
        if (nodeIds[node] < 0) {
          nodeIds[node] = pieceIds[p];
        }
      }
      ids = Arrays.copyOf(nodeIds, nodes);
      firstChild = new int[nodes + 1];
      for (int n = 1; n < nodes; n++) {
        firstChild[parent[n] + 1]++;
      }
      for (int n = 0; n < nodes; n++) {
        firstChild[n + 1] += firstChild[n];
      }
      // Counting sort of the nodes by label, so that each node's run of children comes out sorted.
      int[] labelStart = new int[257];
      for (int n = 1; n < nodes; n++) {
        labelStart[label[n] + 1]++;
      }
      for (int c = 0; c < 256; c++) {
        labelStart[c + 1] += labelStart[c];
      }
      int[] byLabel = new int[nodes - 1];
      for (int n = 1; n < nodes; n++) {
        byLabel[labelStart[label[n]]++] = n;
      }
      children = new int[nodes - 1];
      labels = new int[children.length];
      int[] filled = Arrays.copyOf(firstChild, nodes);
      for (int n : byLabel) {
        int at = filled[parent[n]]++;
        children[at] = n;
        labels[at] = label[n];
      }
    }
  }
}
