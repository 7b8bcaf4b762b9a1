import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { parseVerdict } from '../src/models/guard.ts';
import { ThinkFilter } from '../src/models/reasoning.ts';
import { splitAnswer } from '../src/models/split.ts';
import { fitToContext } from '../src/models/threads.ts';

/** Whether offset `at` of `text` lies inside a fenced code block, as markdown-it (CommonMark) parses it. */
function insideCodeBlock(text: string, at: number): boolean {
  const lineOf = text.slice(0, at).split('\n').length - 1;
  const startsLine = at === 0 || text[at - 1] === '\n';
  return new MarkdownIt().parse(text, {}).some(
    (t) =>
      t.type === 'fence' &&
      t.map &&
      lineOf < t.map[1] &&
      // A cut at a line start falls between lines; one within a line is inside that line.
      (startsLine ? lineOf > t.map[0] : lineOf >= t.map[0]),
  );
}

const fencesBalanced = (piece: string) => (piece.match(/^ {0,3}```/gm)?.length ?? 0) % 2 === 0;

describe('splitting an answer into messages', () => {
  it('keeps short answers whole', () => {
    expect(splitAnswer('Hello', 100)).toEqual({ pieces: ['Hello'], overflow: false, clean: 1 });
  });

  it('cuts long prose into pieces that concatenate to the original', () => {
    const text = Array.from({ length: 120 }, (_, i) => `Sentence number ${i} says something.`).join(' ');
    const { pieces, overflow } = splitAnswer(text, 500);
    expect(overflow).toBe(false);
    expect(pieces.join('')).toBe(text);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(500);
    // Cut after a space, never inside a word.
    for (const p of pieces.slice(0, -1)) expect(p.endsWith(' ')).toBe(true);
  });

  it('never cuts inside a code block', () => {
    const code = [
      '```python',
      ...Array.from({ length: 30 }, (_, i) => `print(${i})  # line ${i}`),
      '```',
    ].join('\n');
    const text = `Intro paragraph.\n\n${code}\n\nMiddle text.\n\n${code}\n\nEnd.`;
    const { pieces, overflow } = splitAnswer(text, 800);
    expect(overflow).toBe(false);
    expect(pieces.join('')).toBe(text);
    for (const p of pieces) {
      expect(p.length).toBeLessThanOrEqual(800);
      expect(fencesBalanced(p)).toBe(true);
    }
  });

  it('flags a code block longer than a message instead of breaking it silently', () => {
    const code = ['```', ...Array.from({ length: 100 }, (_, i) => `line ${i}`), '```'].join('\n');
    const text = `Before.\n\n${code}`;
    const result = splitAnswer(text, 300);
    expect(result.overflow).toBe(true);
    expect(result.clean).toBe(1);
    expect(result.pieces[0]).toBe('Before.\n\n');
    expect(result.pieces.join('')).toBe(text);
  });

  it('does not take a ~~~ line inside a ``` block for a fence, and never claims a clean cut inside code', () => {
    // CommonMark: a fence closes only with its own character; the ~~~ line is code.
    const code = [
      '```',
      'first part',
      '~~~',
      ...Array.from({ length: 40 }, (_, i) => `code line ${i}`),
      '```',
    ];
    const text = `Intro paragraph.\n\n${code.join('\n')}\n\nAfter the code.`;
    const result = splitAnswer(text, 300);
    expect(result.pieces.join('')).toBe(text);
    let at = 0;
    for (const piece of result.pieces.slice(0, result.clean)) {
      at += piece.length;
      if (at < text.length) expect(insideCodeBlock(text, at)).toBe(false);
    }
    expect(result.overflow).toBe(true);
  });

  it('keeps a block opened by four backticks open across a ``` line', () => {
    const code = ['````md', '```', ...Array.from({ length: 20 }, (_, i) => `inner ${i}`), '```', '````'];
    const text = `${'Prose. '.repeat(20)}\n\n${code.join('\n')}\n\nTail.`;
    const result = splitAnswer(text, 200);
    let at = 0;
    for (const piece of result.pieces.slice(0, result.clean)) {
      at += piece.length;
      if (at < text.length) expect(insideCodeBlock(text, at)).toBe(false);
    }
  });
});

describe('reasoning kept apart from the answer', () => {
  it('separates <think> text even when tags arrive split across tokens', () => {
    const filter = new ThinkFilter();
    for (const token of ['<th', 'ink>Let me', ' think.</th', 'ink>\n\n', 'The answer', ' is 4.'])
      filter.push(token);
    filter.end();
    expect(filter.reasoning).toBe('Let me think.');
    expect(filter.answer).toBe('The answer is 4.');
  });

  it('holds back a possible tag only until it resolves', () => {
    const filter = new ThinkFilter();
    filter.push('a <');
    expect(filter.answer).toBe('a ');
    filter.push('b> c');
    expect(filter.answer).toBe('a <b> c');
    filter.push(' <thi');
    filter.end();
    expect(filter.answer).toBe('a <b> c <thi');
  });

  it('reports that the model is thinking while inside the block', () => {
    const filter = new ThinkFilter();
    filter.push('<think>hmm');
    expect(filter.thinking).toBe(true);
    expect(filter.answer).toBe('');
  });
});

describe('guard verdicts', () => {
  it('reads Llama Guard and Granite Guardian answers', () => {
    expect(parseVerdict('safe')).toEqual({ allowed: true });
    expect(parseVerdict('No')).toEqual({ allowed: true });
    expect(parseVerdict('unsafe\nS1,S10')).toEqual({ allowed: false, policy: 'S1 violent crimes, S10 hate' });
    expect(parseVerdict('Yes')).toEqual({ allowed: false, policy: 'harm (Granite Guardian)' });
  });

  it('refuses to guess at an unreadable verdict', () => {
    expect(() => parseVerdict('I am not sure')).toThrow(/neither safe nor unsafe/);
  });
});

describe('conversation history bounded by the context', () => {
  const turn = (role: 'user' | 'assistant', n: number) => ({
    role,
    content: `${role} ${n} `.padEnd(400, 'x'),
  });

  it('keeps everything that fits', () => {
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      turn('user', 1),
      turn('assistant', 1),
      turn('user', 2),
    ];
    expect(fitToContext(messages, 4096, 512)).toEqual(messages);
  });

  it('drops the oldest exchanges first, never the system prompt or the newest message', () => {
    const system = { role: 'system' as const, content: 'Be brief.' };
    const [u1, a1, u2, a2, u3] = [
      turn('user', 1),
      turn('assistant', 1),
      turn('user', 2),
      turn('assistant', 2),
      turn('user', 3),
    ];
    const history = [system, u1!, a1!, u2!, a2!, u3!];
    // A turn is ~104 tokens with its overhead; the answer keeps 100 tokens for itself.
    expect(fitToContext(history, 600, 100)).toEqual([system, u2, a2, u3]);
    expect(fitToContext(history, 400, 100)).toEqual([system, u3]);
    // The newest message stays even when it alone is too long.
    expect(fitToContext(history, 50, 100)).toEqual([system, u3]);
  });
});
