/**
 * HTML to blocks, with boilerplate stripped.
 *
 * - **Dropped:** scripts, styles, forms, embedded media, `nav`, `aside`, `footer`, page-level
 *   `header`, anything `hidden` / `aria-hidden` / `display:none`, landmark roles that are
 *   not content (navigation, banner, contentinfo, complementary, search), and elements
 *   whose class or id is a well-known boilerplate name (cookie banners, breadcrumbs, …).
 * - **Main content first:** when the page marks its content (`<main>`, `<article>`,
 *   `role="main"`), only that is kept.
 * - **Kept:** headings (as structure), paragraphs, lists (one `- item` line each), tables
 *   (one `cell | cell` line per row) and `<pre>` (verbatim).
 * - **Title:** `<title>`, else the first `<h1>`.
 *
 * Pure: htmlparser2 is a plain tokenizer with no runtime dependencies.
 */

import { Parser } from "htmlparser2";
import type { Block, ParsedDocument } from "../chunking/types";
import { normalizeNewlines } from "./text";

const DROP_TAGS = new Set(
  (
    "script style noscript template svg math iframe frame frameset object embed canvas audio video map " +
    "nav aside footer form button select option textarea dialog menu"
  ).split(" "),
);
const DROP_ROLES = new Set([
  "navigation",
  "banner",
  "contentinfo",
  "complementary",
  "search",
  "menu",
  "menubar",
]);
const BOILERPLATE_NAMES = new Set(
  (
    "nav navbar navigation menu sidebar site-header site-footer footer breadcrumb breadcrumbs " +
    "cookie-banner cookie-consent cookies skip-link skiplink advert advertisement ads share social " +
    "newsletter related-posts comments"
  ).split(" "),
);
const BREAK_TAGS = new Set(
  (
    "p div section article main header blockquote figure figcaption address details summary dl dt dd hr " +
    "center body html caption"
  ).split(" "),
);
const HEADING = /^h([1-6])$/;
const MAIN_TAGS = new Set(["main", "article"]);

interface Open {
  name: string;
  dropped: boolean;
  main: boolean;
}

function isBoilerplate(name: string, attribs: Record<string, string>, inMain: boolean): boolean {
  if (DROP_TAGS.has(name)) return true;
  if (name === "header" && !inMain) return true;
  if ("hidden" in attribs || attribs["aria-hidden"] === "true") return true;
  if (/display\s*:\s*none|visibility\s*:\s*hidden/i.test(attribs.style ?? "")) return true;
  if (DROP_ROLES.has((attribs.role ?? "").toLowerCase())) return true;
  const names = `${attribs.class ?? ""} ${attribs.id ?? ""}`.toLowerCase().split(/\s+/);
  return names.some((n) => BOILERPLATE_NAMES.has(n));
}

const collapse = (s: string) => s.replace(/\s+/g, " ").trim();

/** Parses an HTML document into blocks. */
export function parseHtml(source: string): ParsedDocument {
  const out: { block: Block; main: boolean }[] = [];
  const stack: Open[] = [];
  let dropDepth = 0;
  let mainDepth = 0;
  let titleText = "";
  let inTitle = false;
  let para = "";
  let heading: { level: number; text: string } | null = null;
  let pre: string | null = null;
  let listDepth = 0;
  let listLines: string[] = [];
  let item: string | null = null;
  let tableDepth = 0;
  let rows: string[] = [];
  let cells: string[] | null = null;
  let cell: string | null = null;

  const emit = (block: Block) => out.push({ block, main: mainDepth > 0 });
  const flushPara = () => {
    const text = collapse(para);
    if (text) emit({ kind: "prose", text });
    para = "";
  };
  const flushItem = () => {
    if (item === null) return;
    const text = collapse(item);
    if (text) listLines.push(`${"  ".repeat(Math.max(0, listDepth - 1))}- ${text}`);
    item = null;
  };
  const append = (text: string) => {
    if (cell !== null) cell += text;
    else if (heading) heading.text += text;
    else if (pre !== null) pre += text;
    else if (item !== null) item += text;
    else para += text;
  };

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        const dropped = dropDepth > 0 || isBoilerplate(name, attribs, mainDepth > 0);
        const main = !dropped && (MAIN_TAGS.has(name) || attribs.role === "main");
        stack.push({ name, dropped, main });
        if (dropped) {
          dropDepth++;
          return;
        }
        if (name === "title") inTitle = true;
        // Text before a block boundary belongs to the block it was in, so flush before counting `main`.
        if ((BREAK_TAGS.has(name) || main) && item === null && cell === null) flushPara();
        if (main) mainDepth++;
        const level = HEADING.exec(name);
        if (level) {
          flushPara();
          heading = { level: Number(level[1]), text: "" };
        } else if (name === "pre") {
          flushPara();
          pre = "";
        } else if (name === "ul" || name === "ol") {
          flushPara();
          flushItem();
          listDepth++;
        } else if (name === "li") {
          flushItem();
          item = "";
        } else if (name === "table") {
          flushPara();
          tableDepth++;
        } else if (name === "tr") {
          cells = [];
        } else if (name === "td" || name === "th") {
          cell = "";
        } else if (name === "br") {
          append("\n");
        }
      },
      ontext(data) {
        if (inTitle) titleText += data;
        else if (dropDepth === 0) append(data);
      },
      onclosetag(name) {
        const open = stack.pop();
        if (!open) return;
        if (open.dropped) {
          dropDepth--;
          return;
        }
        if (name === "title") inTitle = false;
        const level = HEADING.exec(name);
        if (level && heading) {
          const text = collapse(heading.text);
          heading = null;
          if (text) emit({ kind: "heading", level: Number(level[1]), text });
        } else if (name === "pre" && pre !== null) {
          const text = pre.replace(/^\n+|\s+$/g, "");
          pre = null;
          if (text) emit({ kind: "lines", text });
        } else if (name === "li") {
          flushItem();
        } else if ((name === "ul" || name === "ol") && listDepth > 0) {
          flushItem();
          listDepth--;
          if (listDepth === 0 && listLines.length > 0) {
            emit({ kind: "lines", text: listLines.join("\n") });
            listLines = [];
          }
        } else if ((name === "td" || name === "th") && cell !== null) {
          cells?.push(collapse(cell));
          cell = null;
        } else if (name === "tr" && cells) {
          if (cells.some((c) => c !== "")) rows.push(cells.join(" | "));
          cells = null;
        } else if (name === "table" && tableDepth > 0) {
          tableDepth--;
          if (tableDepth === 0 && rows.length > 0) {
            emit({ kind: "lines", text: rows.join("\n") });
            rows = [];
          }
        } else if (BREAK_TAGS.has(name) && item === null && cell === null) {
          flushPara();
        }
        if (open.main) mainDepth--;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(normalizeNewlines(source));
  parser.end();
  flushItem();
  flushPara();
  if (listLines.length > 0) emit({ kind: "lines", text: listLines.join("\n") });

  const hasMain = out.some((o) => o.main);
  const blocks = out.filter((o) => !hasMain || o.main).map((o) => o.block);
  const h1 = blocks.find((b) => b.kind === "heading" && b.level === 1)?.text ?? null;
  return { title: collapse(titleText) || h1, blocks };
}
