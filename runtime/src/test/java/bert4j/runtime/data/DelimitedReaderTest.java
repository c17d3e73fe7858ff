package bert4j.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DelimitedReaderTest {
  private static List<DelimitedRow> read(DelimitedReader reader, String text) throws IOException {
    return reader.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "data.csv");
  }

  private static String failure(DelimitedReader reader, String text) {
    return assertThrows(MalformedDataException.class, () -> read(reader, text)).getMessage();
  }

  @Test
  void readsQuotedFieldsPerRfc4180() throws IOException {
    List<DelimitedRow> rows = read(DelimitedReader.csv(), "label,review\r\n"
        + "1,\"距离较近,但是\"\"蔡陆线\"\"的话\"\r\n"
        + "0,\"two\nlines\"\n"
        + "\n"
        + "1,\n"
        + "0,\"\"\n");
    assertEquals(4, rows.size());
    assertEquals("距离较近,但是\"蔡陆线\"的话", rows.get(0).get("review"));
    assertEquals(1, rows.get(0).integer("label"));
    assertEquals("two\nlines", rows.get(1).get(1));
    assertEquals(3, rows.get(1).line());
    assertEquals(6, rows.get(2).line()); // the quoted line break spans lines 3-4, line 5 is empty
    assertEquals("", rows.get(2).get("review"));
    assertEquals("", rows.get(3).get("review"));
    assertEquals(List.of("label", "review"), rows.get(0).header());
  }

  @Test
  void readsTheShippedChnSentiCorpExcerpt() throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/data/ChnSentiCorp_htl_excerpt.csv")) {
      List<DelimitedRow> rows = DelimitedReader.csv().read(in, "ChnSentiCorp_htl_excerpt.csv");
      assertEquals(20, rows.size());
      assertEquals("距离川沙公路较近,但是公交指示不对,如果是\"蔡陆线\"的话,会非常麻烦.建议用别的路线.房间较为简单.",
          rows.get(0).get("review"));
      assertEquals(16, rows.stream().filter(r -> r.integer("label") == 1).count());
    }
  }

  @Test
  void tsvSplitsAtTabsOnly() throws IOException {
    List<DelimitedRow> rows = read(DelimitedReader.tsv(), "text\tlabel\n\"quoted\", yes\t1\n");
    assertEquals("\"quoted\", yes", rows.get(0).get("text"));
    assertEquals(1, rows.get(0).integer("label"));
  }

  @Test
  void withoutHeaderEveryRecordIsData() throws IOException {
    List<DelimitedRow> rows = read(DelimitedReader.tsv().withoutHeader(), "a\tB-PER\nb\tO\n");
    assertEquals(2, rows.size());
    assertEquals("B-PER", rows.get(0).get(1));
    assertEquals("data.csv:1: no column \"tag\": the file was read without a header",
        assertThrows(MalformedDataException.class, () -> rows.get(0).get("tag")).getMessage());
  }

  @Test
  void wrongFieldCountNamesTheLineAndTheColumns() {
    assertEquals("data.csv:3: expected 2 fields (label, review), found 3; quote a field that"
        + " contains ','", failure(DelimitedReader.csv(), "label,review\n1,ok\n0,too,many\n"));
    assertEquals("data.csv:2: expected 2 fields, found 1",
        failure(DelimitedReader.tsv().withoutHeader(), "a\tb\nc\n"));
  }

  @Test
  void quotingErrors() {
    assertEquals("data.csv:2: field 2: the quoted field that opens on this line never closes",
        failure(DelimitedReader.csv(), "label,review\n1,\"open\nstill open\n"));
    assertEquals("data.csv:2: field 2: expected ',' or the end of the line after the closing quote,"
        + " found 'x' (double a quote inside a quoted field)",
        failure(DelimitedReader.csv(), "label,review\n1,\"a\"x\n"));
    assertEquals("data.csv:2: field 2: a quote inside an unquoted field (enclose the field in quotes"
        + " and double the quote)", failure(DelimitedReader.csv(), "label,review\n1,a\"b\n"));
  }

  @Test
  void headerAndFieldErrors() throws IOException {
    assertEquals("data.csv:1: the header names column \"a\" twice",
        failure(DelimitedReader.csv(), "a,b,a\n1,2,3\n"));
    DelimitedRow row = read(DelimitedReader.csv(), "label,review\nyes,ok\n").get(0);
    assertEquals("data.csv:2: column \"label\" is \"yes\", expected an integer",
        assertThrows(MalformedDataException.class, () -> row.integer("label")).getMessage());
    assertEquals("data.csv:2: no column \"text\" (columns: label, review)",
        assertThrows(MalformedDataException.class, () -> row.get("text")).getMessage());
    assertEquals("data.csv:2: no column 5 (the line has 2 fields)",
        assertThrows(MalformedDataException.class, () -> row.get(5)).getMessage());
  }

  @Test
  void notUtf8AndMissingFiles() {
    byte[] bytes = "label,review\n1,caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
    MalformedDataException e = assertThrows(MalformedDataException.class,
        () -> DelimitedReader.csv().read(new ByteArrayInputStream(bytes), "latin1.csv"));
    assertEquals("latin1.csv:2: not valid UTF-8", e.getMessage());
    assertThrows(NoSuchFileException.class, () -> DelimitedReader.csv().read(Path.of("no/such.csv")));
  }
}
