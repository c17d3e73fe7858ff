package bert4j.examples.tasks;

import bert4j.runtime.Backend;
import bert4j.runtime.Batch;
import bert4j.runtime.FloatTensor;
import bert4j.runtime.TransformerModel;
import bert4j.runtime.data.BatchIterator;
import bert4j.runtime.data.Sample;
import bert4j.runtime.decode.TagConstraints;
import bert4j.runtime.decode.ViterbiDecoder;
import bert4j.runtime.kernels.Kernels;
import bert4j.runtime.text.Vocabulary;
import bert4j.runtime.train.BestWeights;
import bert4j.runtime.train.ExtractionF1;
import bert4j.runtime.train.Monitor;
import bert4j.runtime.train.Span;
import bert4j.runtime.train.Trainer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Chinese NER with a CRF (bert4keras's task_sequence_labeling_ner_crf) on MSRA-style data: one
 * character per token, IOB2 tags over PER, LOC and ORG, a small BERT with a CRF head
 * ({@link NerModel}) trained from random initialisation with the {@link Trainer}, decoded by Viterbi
 * under IOB2 constraints, scored by entity-level F1 on held-out sentences it never trained on
 * (an entity counts when its type, start and end all match, as conlleval counts).
 *
 * <p>Run: {@code mvn -q -f examples/pom.xml exec:java -Dexec.mainClass=bert4j.examples.tasks.NerWithCrf
 * [-Dexec.args="TRAIN HELD_OUT EPOCHS"]}: files of {@code char<TAB>tag} lines, a blank line between
 * sentences, plain or gzipped (default: the shipped 12,000 + 2,000 sentence subsets of dh_msra).
 */
public final class NerWithCrf {
  /** The tags, by id: what the CRF's 7 outputs mean. */
  static final List<String> TAGS = List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG");
  private static final int MAX_LENGTH = 128;
  private static final int BATCH = 32;
  private static final long SEED = 11;

  private NerWithCrf() {}

  /** One sentence: its characters and their tags. */
  record Sentence(List<String> chars, List<String> tags) {}

  public static void main(String[] args) throws IOException {
    int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    List<Sentence> train = read(args.length > 0 ? args[0] : null, "msra_ner_train.txt.gz");
    List<Sentence> heldOut = read(args.length > 1 ? args[1] : null, "msra_ner_heldout.txt.gz");
    Vocabulary vocab;
    try (InputStream in = Resources.open("vocab.txt")) {
      vocab = Vocabulary.read(in, "vocab.txt");
    }
    List<Sample> samples = new ArrayList<>();
    for (Sentence s : train) {
      samples.add(sample(s, vocab));
    }
    List<Sample> held = new ArrayList<>();
    for (Sentence s : heldOut) {
      held.add(sample(s, vocab));
    }
    System.out.printf("MSRA NER: training on %d sentences, holding out %d%n", train.size(),
        heldOut.size());
    try (Kernels kernels = Backend.auto();
        NerModelImpl model = NerModelImpl.create(kernels, BATCH, MAX_LENGTH)) {
      model.initialize(SEED);
      model.seedDropout(SEED);
      Trainer trainer = Trainer.builder()
          .evaluation(m -> f1(m, held, heldOut).metrics("val_"))
          .callbacks(BestWeights.inMemory(Monitor.max("val_f1")).restoringAtEnd())
          .build();
      trainer.fit(model, BatchIterator.over(samples).batchSize(BATCH).shuffle(SEED)
          .groupByLength(BATCH * 50), epochs);
      ExtractionF1<Span> score = f1(model, held, heldOut);
      System.out.printf(Locale.ROOT, "held-out entity F1 %.4f (precision %.4f, recall %.4f; "
              + "%d gold entities)%n", score.f1(), score.precision(), score.recall(), score.gold());
    }
  }

  /** Entity-level precision, recall and F1 of the model's Viterbi paths on {@code sentences}. */
  static ExtractionF1<Span> f1(TransformerModel model, List<Sample> samples,
      List<Sentence> sentences) {
    ExtractionF1<Span> score = new ExtractionF1<>();
    FloatTensor transitions = model.parameter("crf.transitions");
    ViterbiDecoder decoder = new ViterbiDecoder(transitions, TagConstraints.iob2(TAGS));
    for (int start = 0; start < samples.size(); start += BATCH) {
      List<Sample> part = samples.subList(start, Math.min(samples.size(), start + BATCH));
      int length = part.stream().mapToInt(s -> s.tokenIds().length).max().orElse(0);
      int[][] tokens = new int[part.size()][length];
      int[][] segments = new int[part.size()][length];
      for (int b = 0; b < part.size(); b++) {
        System.arraycopy(part.get(b).tokenIds(), 0, tokens[b], 0, part.get(b).tokenIds().length);
      }
      FloatTensor emissions = model.forward(Batch.of(tokens, segments)).get("crf_emissions");
      for (int b = 0; b < part.size(); b++) {
        int n = part.get(b).tokenIds().length;
        int[] path = decoder.decode(emissions, b, n);
        List<String> tags = new ArrayList<>();
        for (int i = 1; i < n - 1; i++) {
          tags.add(TAGS.get(path[i]));
        }
        score.add(Span.fromTags(tags), Span.fromTags(sentences.get(start + b).tags()
            .subList(0, n - 2)));
      }
    }
    return score;
  }

  /** [CLS] characters [SEP], one vocabulary id per character, tag O on [CLS] and [SEP]. */
  static Sample sample(Sentence s, Vocabulary vocab) {
    int n = Math.min(s.chars().size(), MAX_LENGTH - 2);
    int[] ids = new int[n + 2];
    int[] tags = new int[n + 2];
    ids[0] = vocab.id("[CLS]");
    ids[n + 1] = vocab.id("[SEP]");
    int unknown = vocab.id("[UNK]");
    for (int i = 0; i < n; i++) {
      String c = s.chars().get(i).toLowerCase(Locale.ROOT);
      int id = vocab.id(c);
      ids[i + 1] = id < 0 ? unknown : id;
      tags[i + 1] = TAGS.indexOf(s.tags().get(i));
    }
    return Sample.withTokenLabels(ids, new int[n + 2], tags);
  }

  /** The sentences of {@code path}, or of the shipped resource when it is null. */
  static List<Sentence> read(String path, String resource) throws IOException {
    String name = path != null ? path : resource;
    InputStream raw = path != null ? Files.newInputStream(Path.of(path)) : Resources.open(resource);
    InputStream in = path != null && path.endsWith(".gz") ? new GZIPInputStream(raw) : raw;
    List<Sentence> sentences = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      List<String> chars = new ArrayList<>();
      List<String> tags = new ArrayList<>();
      int line = 0;
      for (String text = reader.readLine(); text != null; text = reader.readLine()) {
        line++;
        if (text.isBlank()) {
          if (!chars.isEmpty()) {
            sentences.add(new Sentence(List.copyOf(chars), List.copyOf(tags)));
            chars.clear();
            tags.clear();
          }
          continue;
        }
        String[] fields = text.split("\t");
        if (fields.length != 2 || !TAGS.contains(fields[1])) {
          throw new IOException(name + ":" + line + ": expected char<TAB>tag with a tag of "
              + TAGS + ", got \"" + text + "\"");
        }
        chars.add(fields[0]);
        tags.add(fields[1]);
      }
      if (!chars.isEmpty()) {
        sentences.add(new Sentence(List.copyOf(chars), List.copyOf(tags)));
      }
    }
    return sentences;
  }
}
