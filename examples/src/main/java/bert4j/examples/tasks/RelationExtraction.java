package bert4j.examples.tasks;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.Outputs;
import bert4j.runtime.TransformerModel;
import bert4j.runtime.data.BatchIterator;
import bert4j.runtime.data.JsonLinesReader;
import bert4j.runtime.data.JsonRow;
import bert4j.runtime.data.Sample;
import bert4j.runtime.decode.GpLinkerDecoder;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.text.Vocabulary;
import bert4j.runtime.train.BestWeights;
import bert4j.runtime.train.ExtractionF1;
import bert4j.runtime.train.Monitor;
import bert4j.runtime.train.Trainer;
import bert4j.runtime.train.Triple;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Relation extraction with GPLinker (bert4keras's task_relation_extraction_gplinker) on a DuIE 2.0
 * subset: one character per token, a small BERT with three span heads ({@link RelationModel})
 * trained from random initialisation with the {@link Trainer}, decoded by
 * {@link GpLinkerDecoder}, scored by triple precision, recall and F1 on the dev sentences it never
 * trained on (a triple counts when its subject text, predicate and object text all match; gold
 * triples beyond the truncated length still count, so they are misses).
 *
 * <p>Targets: a subject or object is its text's first occurrence in the sentence (as bert4keras's
 * {@code search}); a triple whose subject or object is not within the first
 * {@code MAX_LENGTH − 2} characters is left out of training.
 *
 * <p>Run: {@code mvn -q -f examples/pom.xml exec:java
 * -Dexec.mainClass=bert4j.examples.tasks.RelationExtraction [-Dexec.args="TRAIN DEV SCHEMAS
 * EPOCHS"]}: JSON Lines files as DuIE's ({@code {"text", "spo_list": [{"subject", "predicate",
 * "object"}]}}, and one {@code {"predicate"}} per line for the schemas), plain or gzipped (default:
 * the shipped subsets).
 */
public final class RelationExtraction {
  private static final int MAX_LENGTH = 128;
  private static final int BATCH = 16;
  private static final long SEED = 7;

  private RelationExtraction() {}

  /** One sentence and its gold triples. */
  record Sentence(String text, List<Triple> triples) {}

  public static void main(String[] args) throws IOException {
    int epochs = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    List<Sentence> train = sentences(read(args, 0, "duie2_train.jsonl.gz"));
    List<Sentence> dev = sentences(read(args, 1, "duie2_dev.jsonl.gz"));
    List<String> predicates = new ArrayList<>();
    for (JsonRow row : read(args, 2, "duie2_schemas.jsonl")) {
      predicates.add(row.text("predicate"));
    }
    Vocabulary vocab;
    try (InputStream in = Resources.open("vocab.txt")) {
      vocab = Vocabulary.read(in, "vocab.txt");
    }
    List<Sample> samples = new ArrayList<>();
    for (Sentence s : train) {
      samples.add(sample(s, vocab, predicates));
    }
    System.out.printf("DuIE: training on %d sentences, %d predicates; %d dev sentences%n",
        train.size(), predicates.size(), dev.size());
    long started = System.nanoTime();
    try (Kernels kernels = Backend.auto();
        RelationModelImpl model = RelationModelImpl.create(kernels, BATCH, MAX_LENGTH)) {
      model.initialize(SEED);
      model.seedDropout(SEED);
      Trainer trainer = Trainer.builder()
          .evaluation(m -> f1(m, dev, vocab, predicates).metrics("val_"))
          .callbacks(BestWeights.inMemory(Monitor.max("val_f1")).restoringAtEnd())
          .build();
      trainer.fit(model, BatchIterator.over(samples).batchSize(BATCH).shuffle(SEED)
          .groupByLength(BATCH * 50), epochs);
      double minutes = (System.nanoTime() - started) / 60e9;
      ExtractionF1<Triple> score = f1(model, dev, vocab, predicates);
      System.out.printf(Locale.ROOT, "dev triple F1 %.4f (precision %.4f, recall %.4f; %d gold "
              + "triples), best epoch's weights; training and evaluation %.1f minutes%n",
          score.f1(), score.precision(), score.recall(), score.gold(), minutes);
    }
  }

  /** Triple precision, recall and F1 of the model's decoded relations on {@code sentences}. */
  static ExtractionF1<Triple> f1(TransformerModel model, List<Sentence> sentences,
      Vocabulary vocab, List<String> predicates) {
    ExtractionF1<Triple> score = new ExtractionF1<>();
    for (int start = 0; start < sentences.size(); start += BATCH) {
      List<Sentence> part = sentences.subList(start, Math.min(sentences.size(), start + BATCH));
      int length = 0;
      List<int[]> ids = new ArrayList<>();
      for (Sentence s : part) {
        ids.add(tokenIds(s.text(), vocab));
        length = Math.max(length, ids.get(ids.size() - 1).length);
      }
      int[][] tokens = new int[part.size()][length];
      for (int b = 0; b < part.size(); b++) {
        System.arraycopy(ids.get(b), 0, tokens[b], 0, ids.get(b).length);
      }
      Outputs out = model.forward(Batch.of(tokens, new int[part.size()][length]));
      for (int b = 0; b < part.size(); b++) {
        String text = part.get(b).text();
        int chars = ids.get(b).length - 2;
        Set<Triple> found = GpLinkerDecoder.triples(out.get("entity_scores"),
            out.get("head_scores"), out.get("tail_scores"), b, predicates,
            (i, j) -> i < 1 || j > chars ? null : text.substring(i - 1, j));
        score.add(found, part.get(b).triples());
      }
    }
    return score;
  }

  /** [CLS] characters [SEP]: one vocabulary id per character (lower-cased), at most MAX_LENGTH. */
  static int[] tokenIds(String text, Vocabulary vocab) {
    int n = Math.min(text.length(), MAX_LENGTH - 2);
    int[] ids = new int[n + 2];
    ids[0] = vocab.id("[CLS]");
    ids[n + 1] = vocab.id("[SEP]");
    int unknown = vocab.id("[UNK]");
    for (int i = 0; i < n; i++) {
      int id = vocab.id(String.valueOf(text.charAt(i)).toLowerCase(Locale.ROOT));
      ids[i + 1] = id < 0 ? unknown : id;
    }
    return ids;
  }

  /**
   * The sentence's tokens and GPLinker's targets: entity spans (type 0 subject, 1 object), and per
   * triple (predicate, subject start, object start) for {@code head}, (predicate, subject end,
   * object end) for {@code tail}; positions are characters + 1 ([CLS] first).
   */
  static Sample sample(Sentence s, Vocabulary vocab, List<String> predicates) {
    int[] ids = tokenIds(s.text(), vocab);
    int chars = ids.length - 2;
    List<int[]> entities = new ArrayList<>();
    List<int[]> heads = new ArrayList<>();
    List<int[]> tails = new ArrayList<>();
    for (Triple t : s.triples()) {
      int subject = s.text().indexOf(t.subject());
      int object = s.text().indexOf(t.object());
      int subjectEnd = subject + t.subject().length();
      int objectEnd = object + t.object().length();
      if (subject < 0 || object < 0 || subjectEnd > chars || objectEnd > chars) {
        continue;
      }
      int p = predicates.indexOf(t.predicate());
      if (p < 0) {
        throw new IllegalArgumentException("predicate \"" + t.predicate() + "\" of \"" + s.text()
            + "\" is not among the schemas' " + predicates.size() + " predicates");
      }
      entities.add(new int[] {0, subject + 1, subjectEnd});
      entities.add(new int[] {1, object + 1, objectEnd});
      heads.add(new int[] {p, subject + 1, object + 1});
      tails.add(new int[] {p, subjectEnd, objectEnd});
    }
    return Sample.withSpans(ids, new int[ids.length], Map.of(
        "entity", entities.toArray(int[][]::new),
        "head", heads.toArray(int[][]::new),
        "tail", tails.toArray(int[][]::new)));
  }

  /** The sentences of DuIE rows with their distinct triples. */
  static List<Sentence> sentences(List<JsonRow> rows) {
    List<Sentence> sentences = new ArrayList<>();
    for (JsonRow row : rows) {
      List<Triple> triples = new ArrayList<>();
      Set<Triple> seen = new HashSet<>();
      for (JsonNode spo : row.get("spo_list")) {
        Triple t = new Triple(text(row, spo, "subject"), text(row, spo, "predicate"),
            text(row, spo, "object"));
        if (seen.add(t)) {
          triples.add(t);
        }
      }
      sentences.add(new Sentence(row.text("text"), List.copyOf(triples)));
    }
    return sentences;
  }

  private static String text(JsonRow row, JsonNode spo, String field) {
    JsonNode node = spo.get(field);
    if (node == null || !node.isTextual()) {
      throw row.error("an spo_list entry has no string \"" + field + "\": " + spo);
    }
    return node.textValue();
  }

  /** The rows of argument {@code index}'s file, or of the shipped resource when it is not given. */
  static List<JsonRow> read(String[] args, int index, String resource) throws IOException {
    if (args.length > index) {
      Path path = Path.of(args[index]);
      try (InputStream raw = Files.newInputStream(path);
          InputStream in = args[index].endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
        return JsonLinesReader.read(in, args[index]);
      }
    }
    try (InputStream in = Resources.open(resource)) {
      return JsonLinesReader.read(in, resource);
    }
  }
}
