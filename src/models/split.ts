// Splits an answer into Discord-sized pieces whose concatenation is the answer exactly, cutting
// only outside code blocks (CommonMark's fences, see src/text/fences.ts) so every piece renders
// its fences intact.
import { findCut } from '../text/fences.ts';

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
