import { describe, expect, it } from "vitest";
import { ParseError } from "../../src/parsers/errors";
import { detectDocumentType, documentTypeOf, parseDocument } from "../../src/parsers/formats";
import { parseHtml } from "../../src/parsers/html";
import { parseMarkdown, stripInline } from "../../src/parsers/markdown";
import { parsePdf } from "../../src/parsers/pdf";
import { parseText } from "../../src/parsers/text";
import { buildPdf } from "../fixtures/pdf";

const enc = (s: string) => new TextEncoder().encode(s);

describe("plain text", () => {
  it("splits paragraphs at blank lines and normalises line endings and control characters", () => {
    expect(parseText("\uFEFFOne\r\nline two\r\n\r\n\r\nTwo\u0000 para\n \n")).toEqual({
      title: null,
      blocks: [
        { kind: "prose", text: "One\nline two" },
        { kind: "prose", text: "Two para" },
      ],
    });
  });
});

describe("markdown", () => {
  it("keeps headings as structure and strips inline markup", () => {
    const doc = parseMarkdown(
      [
        "---",
        'title: "From front matter"',
        "---",
        "# Heading *one*",
        "Some **bold** and `code` and [a link](https://x.test) and ![alt text](img.png).",
        "",
        "Setext two",
        "----------",
        "",
        "- item one",
        "  continued",
        "  - nested",
        "1. numbered",
        "",
        "> quoted text",
        "",
        "```ts",
        "const x = 1;",
        "```",
        "",
        "| Name | Value |",
        "| ---- | ----: |",
        "| a    | 1     |",
        "| b \\| c | 2 |",
        "",
        "[ref]: https://example.test",
        "***",
        "Tail paragraph.",
      ].join("\n"),
    );
    expect(doc.title).toBe("From front matter");
    expect(doc.blocks).toEqual([
      { kind: "heading", level: 1, text: "Heading one" },
      { kind: "prose", text: "Some bold and code and a link and alt text." },
      { kind: "heading", level: 2, text: "Setext two" },
      { kind: "lines", text: "- item one continued\n  - nested\n- numbered" },
      { kind: "prose", text: "quoted text" },
      { kind: "lines", text: "const x = 1;" },
      { kind: "lines", text: "Name | Value\na | 1\nb | c | 2" },
      { kind: "prose", text: "Tail paragraph." },
    ]);
  });

  it("takes the title from the first level-1 heading when there is no front matter", () => {
    expect(parseMarkdown("Intro\n\n## Sub\n\n# Real title\n\n# Second").title).toBe("Real title");
  });

  it("leaves snake_case and arithmetic alone", () => {
    expect(stripInline("use max_tokens_per_chunk and 2*3*4")).toBe("use max_tokens_per_chunk and 2*3*4");
  });
});

describe("html", () => {
  const page = `<!doctype html><html><head><title>Returns &amp; refunds</title>
    <style>body{color:red}</style><script>var tracking = 1;</script></head>
    <body>
      <header><nav><a href="/">Home</a> | <a href="/shop">Shop</a></nav><h1>Site name</h1></header>
      <div class="cookie-banner">We use cookies</div>
      <main>
        <h1>Returns policy</h1>
        <p>Items can be returned within <b>30 days</b>.<br>Keep the receipt.</p>
        <h2>Exceptions</h2>
        <ul><li>Gift cards<ul><li>Digital ones too</li></ul></li><li>Perishables</li></ul>
        <table><thead><tr><th>Item</th><th>Window</th></tr></thead>
          <tbody><tr><td>Shoes</td><td>30 days</td></tr><tr><td>Laptops</td><td>14 days</td></tr></tbody></table>
        <pre>  curl -X POST /returns
  --data id=1</pre>
        <div hidden>secret</div><p aria-hidden="true">decoration</p>
        <aside>Related: sale!</aside>
      </main>
      <footer>© Shop Inc</footer>
    </body></html>`;

  it("strips boilerplate, keeps main content, headings, lists, tables and preformatted text", () => {
    const doc = parseHtml(page);
    expect(doc.title).toBe("Returns & refunds");
    expect(doc.blocks).toEqual([
      { kind: "heading", level: 1, text: "Returns policy" },
      { kind: "prose", text: "Items can be returned within 30 days. Keep the receipt." },
      { kind: "heading", level: 2, text: "Exceptions" },
      { kind: "lines", text: "- Gift cards\n  - Digital ones too\n- Perishables" },
      { kind: "lines", text: "Item | Window\nShoes | 30 days\nLaptops | 14 days" },
      { kind: "lines", text: "  curl -X POST /returns\n  --data id=1" },
    ]);
    const all = doc.blocks.map((b) => b.text).join(" ");
    for (const junk of [
      "Home",
      "cookies",
      "tracking",
      "secret",
      "decoration",
      "Related",
      "Shop Inc",
      "Site name",
    ]) {
      expect(all).not.toContain(junk);
    }
  });

  it("uses the whole body when the page marks no main content, and the first h1 as title", () => {
    const doc = parseHtml(
      "<body><nav>menu</nav><h1>Only &eacute;t&eacute;</h1><div>Text <span>inline</span> here</div></body>",
    );
    expect(doc.title).toBe("Only été");
    expect(doc.blocks).toEqual([
      { kind: "heading", level: 1, text: "Only été" },
      { kind: "prose", text: "Text inline here" },
    ]);
  });

  it("survives malformed markup", () => {
    const doc = parseHtml("<p>unclosed <b>bold<p>next <table><tr><td>cell</table> tail");
    expect(doc.blocks.map((b) => b.text)).toEqual(["unclosed bold", "next", "cell", "tail"]);
  });
});

describe("pdf", () => {
  it("extracts the text layer page by page with page numbers and the Info title", async () => {
    const pdf = buildPdf(
      [
        ["Chapter One", "Retrieval systems find relevant pas-", "sages for a query."],
        ["Second page (with parentheses) text."],
      ],
      "Field Guide",
    );
    const doc = await parsePdf(pdf);
    expect(doc.title).toBe("Field Guide");
    expect(doc.pages).toBe(2);
    expect(doc.blocks).toEqual([
      { kind: "prose", text: "Chapter One\nRetrieval systems find relevant passages for a query.", page: 1 },
      { kind: "prose", text: "Second page (with parentheses) text.", page: 2 },
    ]);
  });

  it("fails clearly for a PDF without a text layer and for bytes that are not a PDF", async () => {
    await expect(parsePdf(buildPdf([[]]))).rejects.toMatchObject({ code: "no_text_layer" });
    await expect(parsePdf(enc("%PDF-1.4\ngarbage that is not a pdf"))).rejects.toBeInstanceOf(ParseError);
    await expect(parsePdf(enc("hello"))).rejects.toMatchObject({ code: "invalid_pdf" });
  });
});

describe("formats", () => {
  it("recognises types by explicit type, declared type, extension and content", () => {
    expect(documentTypeOf("text/html; charset=utf-8")).toBe("text/html");
    expect(documentTypeOf("text/x-markdown")).toBe("text/markdown");
    expect(documentTypeOf("image/png")).toBeNull();
    expect(detectDocumentType({ declared: "application/octet-stream", filename: "notes.MD" })).toBe(
      "text/markdown",
    );
    expect(detectDocumentType({ declared: "", filename: "scan", head: enc("%PDF-1.7 ...") })).toBe(
      "application/pdf",
    );
    expect(detectDocumentType({ filename: "page", head: enc("  <!DOCTYPE html><html>") })).toBe("text/html");
    expect(detectDocumentType({ explicit: "text/plain", filename: "x.pdf" })).toBe("text/plain");
    expect(detectDocumentType({ declared: "image/png", filename: "photo.png" })).toBeNull();
    expect(detectDocumentType({ filename: "data.bin", head: enc("\u0000\u0001") })).toBeNull();
  });

  it("rejects documents with no text", async () => {
    await expect(parseDocument(enc("   \n\n "), "text/plain")).rejects.toMatchObject({ code: "no_text" });
    await expect(parseDocument(enc("<html><script>x()</script></html>"), "text/html")).rejects.toMatchObject({
      code: "no_text",
    });
  });
});
