/**
 * Markdown (CommonMark + GitHub tables) to blocks. Not a renderer: it keeps what a reader
 * would read and what retrieval needs (headings as structure, paragraphs, lists, tables and
 * code as text) and drops markup (emphasis markers, link targets, image URLs, HTML tags).
 *
 * Title: `title:` in YAML front matter, else the first level-1 heading.
 *
 * Pure: imports nothing from the runtime.
 */

import type { Block, ParsedDocument } from "../chunking/types";
import { normalizeNewlines } from "./text";

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const LIST_ITEM = /^( *)([-*+]|\d{1,9}[.)])[ \t]+(.*)$/;
const TABLE_SEPARATOR = /^ {0,3}\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const LINK_DEFINITION = /^ {0,3}\[[^\]]+\]:\s+\S+/;

/** Removes inline markup, keeping the text a reader sees. */
export function stripInline(text: string): string {
  return (
    text
      .replace(/<!--[\s\S]*?-->/g, "")
      // Images keep their alt text, links their label.
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
      .replace(/\[([^\]]+)\]\[[^\]]*\]/g, "$1")
      .replace(/<((?:https?|mailto):[^>\s]+)>/g, "$1")
      .replace(/<\/?[A-Za-z][^>]*>/g, "")
      .replace(/(`+)(.+?)\1/g, "$2")
      .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, "$2")
      .replace(/(^|[^\w*])([*_])(?=\S)(.+?)(?<=\S)\2(?![\w*])/g, "$1$3")
      .replace(/~~(.+?)~~/g, "$1")
      .replace(/\\([\\`*_{}[\]()#+\-.!|>~])/g, "$1")
  );
}

function tableRow(line: string): string {
  return line
    .trim()
    .replace(/^\|/, "")
    .replace(/(?<!\\)\|$/, "")
    .split(/(?<!\\)\|/)
    .map((cell) => stripInline(cell.trim()))
    .join(" | ");
}

function frontMatter(lines: string[]): { title: string | null; skip: number } {
  if (lines[0]?.trim() !== "---") return { title: null, skip: 0 };
  const end = lines.findIndex((l, i) => i > 0 && /^(---|\.\.\.)\s*$/.test(l));
  if (end === -1) return { title: null, skip: 0 };
  const titleLine = lines.slice(1, end).find((l) => /^title\s*:/i.test(l));
  const title = titleLine
    ? titleLine
        .replace(/^title\s*:\s*/i, "")
        .trim()
        .replace(/^(["'])(.*)\1$/, "$2")
    : null;
  return { title: title || null, skip: end + 1 };
}

/** Parses Markdown into heading / prose / lines blocks. */
export function parseMarkdown(source: string): ParsedDocument {
  const lines = normalizeNewlines(source).split("\n");
  const fm = frontMatter(lines);
  const blocks: Block[] = [];
  let title = fm.title;
  let prose: string[] = [];
  let list: string[] = [];

  const flushProse = () => {
    const text = stripInline(prose.join("\n")).trim();
    if (text) blocks.push({ kind: "prose", text });
    prose = [];
  };
  const flushList = () => {
    if (list.length > 0) blocks.push({ kind: "lines", text: list.join("\n") });
    list = [];
  };
  const heading = (level: number, raw: string) => {
    flushProse();
    flushList();
    const text = stripInline(raw).trim();
    if (!text) return;
    if (level === 1 && title === null) title = text;
    blocks.push({ kind: "heading", level, text });
  };

  for (let i = fm.skip; i < lines.length; i++) {
    const line = lines[i] as string;
    const fence = FENCE.exec(line);
    if (fence) {
      flushProse();
      flushList();
      const marker = fence[1] as string;
      const code: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] as string).trimStart().startsWith(marker))
        code.push(lines[i++] as string);
      const text = code.join("\n").replace(/^\n+|\s+$/g, "");
      if (text) blocks.push({ kind: "lines", text });
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      heading((atx[1] as string).length, atx[2] ?? "");
      continue;
    }
    // Setext heading: a paragraph line underlined with === (h1) or --- (h2).
    const setext = SETEXT.exec(line);
    if (setext && prose.length > 0 && list.length === 0) {
      const text = prose.join(" ");
      prose = [];
      heading((setext[1] as string).startsWith("=") ? 1 : 2, text);
      continue;
    }
    if (RULE.test(line) || LINK_DEFINITION.test(line)) {
      flushProse();
      continue;
    }
    // GitHub table: a row of cells followed by a separator row.
    if (line.includes("|") && TABLE_SEPARATOR.test(lines[i + 1] ?? "") && !TABLE_SEPARATOR.test(line)) {
      flushProse();
      flushList();
      const rows = [tableRow(line)];
      i += 2;
      while (i < lines.length && (lines[i] as string).includes("|") && (lines[i] as string).trim() !== "") {
        rows.push(tableRow(lines[i] as string));
        i++;
      }
      i--;
      blocks.push({ kind: "lines", text: rows.join("\n") });
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      flushProse();
      const depth = Math.floor((item[1] as string).length / 2);
      list.push(`${"  ".repeat(depth)}- ${stripInline(item[3] as string).trim()}`);
      continue;
    }
    if (line.trim() === "") {
      flushProse();
      // A blank line inside a list is allowed; the list ends at the next non-item paragraph.
      continue;
    }
    if (list.length > 0 && /^\s{2,}\S/.test(line) && prose.length === 0) {
      // Continuation of the last list item.
      list[list.length - 1] += ` ${stripInline(line.trim())}`;
      continue;
    }
    flushList();
    prose.push(line.replace(/^ {0,3}>\s?/, "").replace(/^ {0,3}>\s?/, ""));
  }
  flushProse();
  flushList();
  return { title, blocks };
}
