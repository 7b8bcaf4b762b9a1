// Separates `<think>…</think>` from the answer while it streams: a tag may arrive split
// across tokens, so a possible tag prefix at the end of a chunk is held back until it resolves.
const OPEN = '<think>';
const CLOSE = '</think>';

export class ThinkFilter {
  answer = '';
  reasoning = '';
  private inside = false;
  private pending = '';
  // Models put a blank line after </think>; it belongs to neither part, even in a later chunk.
  private trimAnswerStart = false;

  /** Feeds streamed content; `answer` and `reasoning` grow accordingly. */
  push(text: string): void {
    let rest = this.pending + text;
    this.pending = '';
    while (rest.length > 0) {
      const tag = this.inside ? CLOSE : OPEN;
      const at = rest.indexOf(tag);
      if (at >= 0) {
        this.emit(rest.slice(0, at));
        this.inside = !this.inside;
        rest = rest.slice(at + tag.length);
        if (!this.inside) this.trimAnswerStart = true;
        continue;
      }
      const keep = partialSuffix(rest, tag);
      this.emit(rest.slice(0, rest.length - keep));
      this.pending = rest.slice(rest.length - keep);
      rest = '';
    }
  }

  /** Reasoning sent in its own field (reasoning_content) rather than inline tags. */
  pushReasoning(text: string): void {
    this.reasoning += text;
  }

  /** The stream ended: whatever was held back is text after all. */
  end(): void {
    this.emit(this.pending);
    this.pending = '';
  }

  get thinking(): boolean {
    return this.inside;
  }

  private emit(text: string): void {
    if (this.trimAnswerStart && !this.inside) {
      text = text.replace(/^\s+/, '');
      if (text) this.trimAnswerStart = false;
    }
    if (!text) return;
    if (this.inside) this.reasoning += text;
    else this.answer += text;
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialSuffix(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) {
    if (text.endsWith(tag.slice(0, n))) return n;
  }
  return 0;
}
