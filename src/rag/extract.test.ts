import { describe, expect, it } from "vitest";
import { extractHtml, extractMarkdown, formatOf } from "./extract.js";

describe("Markdown extraction", () => {
  it("keeps headings as each section's context and drops the markup", () => {
    const doc = extractMarkdown(
      [
        "# Install guide",
        "Read **this** first, see [the docs](https://example.com/docs).",
        "",
        "## From source",
        "- Clone the `repo`",
        "- Run *make*",
        "",
        "```sh",
        "# not a heading inside a fence",
        "make install",
        "```",
        "### Tests",
        "Run them.",
        "## Upgrading",
        "Replace the binary.",
      ].join("\n"),
    );
    expect(doc.title).toBe("Install guide");
    expect(doc.sections.map((section) => section.headings)).toEqual([
      ["Install guide"],
      ["Install guide", "From source"],
      ["Install guide", "From source", "Tests"],
      ["Install guide", "Upgrading"],
    ]);
    expect(doc.sections[0]!.text).toBe("Read this first, see the docs.");
    expect(doc.sections[1]!.text).toContain("Clone the repo\nRun make");
    expect(doc.sections[1]!.text).toContain("# not a heading inside a fence\nmake install");
  });

  it("reads setext headings", () => {
    const doc = extractMarkdown("Title\n=====\nintro\n\nPart\n----\nbody");
    expect(doc.sections).toEqual([
      { headings: ["Title"], text: "intro" },
      { headings: ["Title", "Part"], text: "body" },
    ]);
  });
});

describe("HTML extraction", () => {
  it("strips tags, scripts, styles and comments, keeping headings as sections", () => {
    const doc = extractHtml(`<!doctype html><html><head><title>Page title</title><style>h1 { color: red }</style>
      <script>var secret = "do not index";</script></head>
      <body><nav>Home</nav><h1>Caching &amp; CDNs</h1><p>A <b>cache</b> keeps&nbsp;copies.</p>
      <!-- hidden comment --><h2 id="ttl">Time to live</h2><p>Entries expire.</p><script>alert(1)</script>
      <ul><li>one</li><li>two</li></ul></body></html>`);
    expect(doc.title).toBe("Caching & CDNs");
    const all = doc.sections.map((section) => section.text).join("\n");
    expect(all).not.toMatch(/secret|alert|color|hidden comment|</);
    expect(doc.sections).toContainEqual({ headings: ["Caching & CDNs"], text: "A cache keeps copies." });
    const ttl = doc.sections.find((section) => section.headings.join("/") === "Caching & CDNs/Time to live");
    expect(ttl?.text).toBe("Entries expire.\n\none\n\ntwo");
  });

  it("falls back to <title> when there is no h1", () => {
    expect(extractHtml("<title>Only title</title><p>text</p>").title).toBe("Only title");
  });
});

describe("formats", () => {
  it("follows the Content-Type first, then the extension", () => {
    expect(formatOf("page", "text/html; charset=utf-8")).toBe("html");
    expect(formatOf("notes.md")).toBe("markdown");
    expect(formatOf("https://x.test/a.HTML?x=1")).toBe("html");
    expect(formatOf("notes.txt", "text/plain")).toBe("text");
  });
});
