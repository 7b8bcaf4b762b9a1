// Fenced code blocks as CommonMark reads them, and the one cutter that never cuts inside one. Both
// the answer splitter (src/models/split.ts) and the release-notes cutter (src/tracking/markdown.ts)
// use it, so a fence means the same thing in every message the bot writes.
//
// CommonMark 0.31.2, "Fenced code blocks": a fence opens with at least 3 backticks or 3 tildes after
// at most 3 spaces of indentation (a backtick fence's info string may not contain a backtick); it
// closes only with the same character, at least as many, at most 3 spaces of indentation and
// nothing but spaces or tabs after; unclosed, it runs to the end of its container or the document.
// Containers: block quotes (`>`) are followed; list items are not (a fence on a list item's
// marker line, `- ```…`, is not seen, and neither is one indented 4 or more inside a nested item).

export interface FenceBlock {
  /** First line (0-based) and the line after the block: markdown-it's `token.map`. */
  startLine: number;
  endLine: number;
  /** Offset of the opening line, and just past the block's last line (its newline included). */
  start: number;
  end: number;
  /** The opening run, e.g. "```" or "~~~~": a closing fence is this character, at least as many. */
  marker: string;
  closed: boolean;
  /** The block quote markers the block lives in (e.g. "> "), for a fence added to close it. */
  prefix: string;
}

interface Line {
  start: number;
  /** Just past its newline (or the end of the text). */
  end: number;
  text: string;
}

function linesOf(text: string): Line[] {
  const lines: Line[] = [];
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl + 1;
    lines.push({ start: pos, end, text: text.slice(pos, nl === -1 ? text.length : nl) });
    pos = end;
  }
  return lines;
}

/** Columns of leading spaces and tabs (a tab advances to the next multiple of 4), and their length. */
function indentOf(s: string): { columns: number; length: number } {
  let columns = 0;
  let length = 0;
  for (const c of s) {
    if (c === ' ') columns++;
    else if (c === '\t') columns += 4 - (columns % 4);
    else break;
    length++;
  }
  return { columns, length };
}

const QUOTE = /^ {0,3}>[ \t]?/;

/** Strips up to `max` block quote markers; returns how many and what is left. */
function unquote(
  text: string,
  max = Number.POSITIVE_INFINITY,
): { depth: number; rest: string; prefix: string } {
  let depth = 0;
  let rest = text;
  let prefix = '';
  for (let m = QUOTE.exec(rest); m && depth < max; m = QUOTE.exec(rest)) {
    depth++;
    prefix += m[0];
    rest = rest.slice(m[0].length);
  }
  return { depth, rest, prefix };
}

function opening(content: string): string | null {
  const indent = indentOf(content);
  if (indent.columns > 3) return null;
  const m = /^(`{3,}|~{3,})(.*)$/.exec(content.slice(indent.length));
  if (!m) return null;
  const [, run = '', info = ''] = m;
  if (run[0] === '`' && info.includes('`')) return null;
  return run;
}

function closes(content: string, marker: string): boolean {
  const indent = indentOf(content);
  if (indent.columns > 3) return false;
  const m = /^(`+|~+)[ \t]*$/.exec(content.slice(indent.length));
  return !!m && m[1]![0] === marker[0] && m[1]!.length >= marker.length;
}

/** Every fenced code block of `text`, in order. */
export function fenceBlocks(text: string): FenceBlock[] {
  const lines = linesOf(text);
  const blocks: FenceBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const { depth, rest, prefix } = unquote(lines[i]!.text);
    const marker = opening(rest);
    if (!marker) continue;
    let j = i + 1;
    let closed = false;
    for (; j < lines.length; j++) {
      const inner = unquote(lines[j]!.text, depth);
      // Code takes no lazy continuation: a line outside the quote ends the quote, and the block.
      if (inner.depth < depth) break;
      if (closes(inner.rest, marker)) {
        closed = true;
        j++;
        break;
      }
    }
    blocks.push({
      startLine: i,
      endLine: j,
      start: lines[i]!.start,
      end: j < lines.length ? lines[j]!.start : text.length,
      marker,
      closed,
      prefix: depth ? `${prefix.trimEnd()} ` : '',
    });
    i = j - 1;
  }
  return blocks;
}

/** The line that closes `block` (inside its block quote, if any). */
export function closingFence(block: FenceBlock): string {
  return `${block.prefix}${block.marker}`;
}

export interface CutOptions {
  /** Blank lines and line ends earlier than this share of the limit are a last resort. Default 0.5. */
  floor?: number;
  /** Let cuts fall inside code blocks (the caller closes the block it cut). Default false. */
  insideCode?: boolean;
}

/**
 * The best place to cut `text` at or before `limit`: a blank line, else a line end (both at or
 * after `floor`), else after the last space of the line holding the limit, else the limit itself
 * (a line without spaces, outside code), else the last line end, however early. Never inside a
 * fenced code block unless `insideCode`; 0 when there is no such place.
 */
export function findCut(text: string, limit: number, options: CutOptions = {}): number {
  if (text.length <= limit) return text.length;
  const blocks = options.insideCode ? [] : fenceBlocks(text);
  const floor = limit * (options.floor ?? 0.5);
  // A cut between two lines of a block breaks it; a cut before its opening line or after its last does not.
  const between = (at: number) => blocks.some((b) => b.start < at && at < b.end);
  // Inside a block's lines, fence lines included: no cut within such a line.
  const within = (at: number) => blocks.some((b) => b.start <= at && at < b.end);
  let paragraph = 0;
  let line = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl + 1 <= limit; nl = text.indexOf('\n', nl + 1)) {
    const at = nl + 1;
    if (between(at)) continue;
    line = at;
    if (text[at - 2] === '\n') paragraph = at;
  }
  if (paragraph && paragraph >= floor) return paragraph;
  if (line && line >= floor) return line;
  const lineStart = text.lastIndexOf('\n', limit - 1) + 1;
  if (!within(lineStart)) {
    const space = text.lastIndexOf(' ', limit - 1);
    if (space >= lineStart && space + 1 > line) return space + 1;
    if (!line) return limit;
  }
  return line;
}
