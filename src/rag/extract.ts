/**
 * From a document's text to its sections: plain text as it is, Markdown and HTML with their
 * headings kept as each section's context ("Install > From source") and their markup removed.
 * HTML loses its scripts, styles and other parts that are not read (head, templates, comments).
 */
import type { RagFormat } from "../store/index.js";

export interface Section {
  /** The headings above the section, outermost first; empty before the first heading. */
  headings: string[];
  text: string;
}

export interface ExtractedDocument {
  /** The first top-level heading (or the HTML <title>), when there is one. */
  title: string | null;
  sections: Section[];
}

/** Builds sections from lines, a heading line (level, text) opening a new one. */
class SectionBuilder {
  private readonly stack: { level: number; text: string }[] = [];
  private lines: string[] = [];
  readonly sections: Section[] = [];
  title: string | null = null;

  heading(level: number, text: string): void {
    this.flush();
    if (text === "") return;
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.level >= level) this.stack.pop();
    this.stack.push({ level, text });
    if (this.title === null && level === 1) this.title = text;
  }

  line(text: string): void {
    this.lines.push(text);
  }

  flush(): void {
    const text = this.lines.join("\n").replace(/\n{3,}/g, "\n\n").trim();
    this.lines = [];
    if (text !== "") this.sections.push({ headings: this.stack.map((entry) => entry.text), text });
  }

  result(): ExtractedDocument {
    this.flush();
    return { title: this.title, sections: this.sections };
  }
}

/** Markdown's inline markup to plain text: links and images to their text, emphasis and code marks dropped. */
function markdownInline(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/(\*\*|__|~~)(.+?)\1/g, "$2")
    .replace(/(^|[^\w*])[*_](\S(?:.*?\S)?)[*_](?=[^\w*]|$)/g, "$1$2")
    .replace(/`([^`]+)`/g, "$1");
}

export function extractMarkdown(source: string): ExtractedDocument {
  const builder = new SectionBuilder();
  let fence: string | null = null;
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fenceMark = /^\s*(```+|~~~+)/.exec(line);
    if (fence !== null) {
      if (fenceMark && fenceMark[1]!.startsWith(fence)) fence = null;
      else builder.line(line);
      continue;
    }
    if (fenceMark) {
      fence = fenceMark[1]!;
      continue;
    }
    const atx = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (atx) {
      builder.heading(atx[1]!.length, markdownInline(atx[2]!).trim());
      continue;
    }
    const next = lines[i + 1];
    if (next !== undefined && line.trim() !== "" && /^\s{0,3}(=+|-+)\s*$/.test(next)) {
      builder.heading(next.trim().startsWith("=") ? 1 : 2, markdownInline(line).trim());
      i++;
      continue;
    }
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) continue;
    builder.line(markdownInline(line.replace(/^\s{0,3}>\s?/, "").replace(/^\s*([-*+]|\d+[.)])\s+/, "")));
  }
  return builder.result();
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", mdash: "—", ndash: "–", hellip: "…" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Elements whose content is never text to read. */
const HIDDEN = /<(script|style|noscript|template|svg|iframe|object|head)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const BLOCK = /^(p|div|section|article|main|header|footer|nav|aside|li|ul|ol|table|tr|blockquote|pre|br|hr|dd|dt|dl|figure|figcaption|form)$/i;

export function extractHtml(source: string): ExtractedDocument {
  const titleMatch = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(source);
  const cleaned = source.replace(/<!--[\s\S]*?-->/g, "").replace(HIDDEN, " ");
  const text = (raw: string) => decodeEntities(raw.replace(/<[^>]*>/g, " ")).replace(/\s+/g, " ");
  const builder = new SectionBuilder();
  let inline = "";
  const endLine = (): void => {
    builder.line(inline.trim());
    inline = "";
  };
  const tag = /<(\/?)([a-z][a-z0-9]*)\b[^>]*>/gi;
  let last = 0;
  for (let match = tag.exec(cleaned); match !== null; match = tag.exec(cleaned)) {
    inline += text(cleaned.slice(last, match.index));
    last = tag.lastIndex;
    const [, closing, name = ""] = match;
    const level = /^h([1-6])$/i.exec(name);
    if (level && closing === "") {
      const close = new RegExp(`</h${level[1]}\\s*>`, "gi");
      close.lastIndex = last;
      const end = close.exec(cleaned);
      endLine();
      builder.heading(Number(level[1]), text(cleaned.slice(last, end ? end.index : cleaned.length)).trim());
      last = end ? close.lastIndex : cleaned.length;
      tag.lastIndex = last;
      continue;
    }
    if (BLOCK.test(name)) {
      endLine();
      if (/^(p|div|section|article|table|ul|ol|pre|blockquote)$/i.test(name)) builder.line("");
    }
  }
  inline += text(cleaned.slice(last));
  endLine();
  const document = builder.result();
  const title = titleMatch ? text(titleMatch[1]!).trim() || null : null;
  return { title: document.title ?? title, sections: document.sections };
}

export function extractText(source: string): ExtractedDocument {
  const text = source.replace(/\r\n?/g, "\n").trim();
  return { title: null, sections: text === "" ? [] : [{ headings: [], text }] };
}

export function extractDocument(source: string, format: RagFormat): ExtractedDocument {
  if (format === "markdown") return extractMarkdown(source);
  if (format === "html") return extractHtml(source);
  return extractText(source);
}

/** The format a file name or a Content-Type names; plain text when neither says otherwise. */
export function formatOf(name: string, contentType?: string | null): RagFormat {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  if (type === "text/html" || type === "application/xhtml+xml") return "html";
  if (type === "text/markdown" || type === "text/x-markdown") return "markdown";
  const lower = name.toLowerCase().split(/[?#]/)[0] ?? "";
  if (/\.(md|markdown|mdx)$/.test(lower)) return "markdown";
  if (/\.(html?|xhtml)$/.test(lower)) return "html";
  return "text";
}
