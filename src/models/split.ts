// Splits an answer into Discord-sized pieces whose concatenation is the answer exactly, cutting
// only outside code blocks so every piece renders its fences intact.
const FENCE = /^ {0,3}(```|~~~)/;

export interface SplitResult {
  pieces: string[];
  /** A code block longer than one message: it cannot be shown whole in messages. */
  overflow: boolean;
  /** How many leading pieces were cut cleanly (all of them unless overflow). */
  clean: number;
}

/**
 * Pieces of at most `limit` characters. Cuts prefer a blank line, then a line end, then a
 * space, always outside a code block; a code block that fits no piece sets `overflow`.
 */
export function splitAnswer(text: string, limit: number): SplitResult {
  const pieces: string[] = [];
  let rest = text;
  let overflow = false;
  let clean = -1;
  while (rest.length > limit) {
    const cut = findCut(rest, limit);
    if (cut <= 0) {
      if (!overflow) clean = pieces.length;
      overflow = true;
      // Still deliver everything: a hard cut, flagged so the caller attaches the full text.
      pieces.push(rest.slice(0, limit));
      rest = rest.slice(limit);
      continue;
    }
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest);
  return { pieces, overflow, clean: overflow ? clean : pieces.length };
}

/** The best cut position ≤ limit that lies outside every code block, or 0 when there is none. */
function findCut(text: string, limit: number): number {
  const lines = linesUpTo(text, limit);
  const safe = lines.filter((l) => l.start > 0 && !l.insideBefore).map((l) => l.start);
  const half = limit / 2;
  const paragraph = safe.filter((at) => text[at - 2] === '\n').at(-1);
  if (paragraph !== undefined && paragraph >= half) return paragraph;
  const line = safe.at(-1);
  if (line !== undefined && line >= half) return line;
  // A long line outside code: cut after its last space, else at the limit itself.
  const last = lines.at(-1)!;
  if (!last.insideBefore && !last.fence) {
    const space = text.lastIndexOf(' ', limit - 1);
    if (space >= last.start && space + 1 > (line ?? 0)) return space + 1;
    if (line === undefined) return limit;
  }
  return line ?? 0;
}

/** Every line starting at or before `limit`: where it starts, whether a code block is open before it, whether it is a fence. */
function linesUpTo(text: string, limit: number) {
  const lines: Array<{ start: number; insideBefore: boolean; fence: boolean }> = [];
  let inside = false;
  let pos = 0;
  while (pos <= limit && pos <= text.length) {
    const end = text.indexOf('\n', pos);
    const fence = FENCE.test(text.slice(pos, end === -1 ? text.length : end));
    lines.push({ start: pos, insideBefore: inside, fence });
    if (fence) inside = !inside;
    if (end === -1) break;
    pos = end + 1;
  }
  return lines;
}
