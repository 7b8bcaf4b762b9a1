// The one fence reader both cutters use, checked against CommonMark's own "Fenced code blocks"
// examples as markdown-it (a CommonMark-compliant parser) reads them: a reference, not our guess.
import { readFileSync } from 'node:fs';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { fenceBlocks } from '../src/text/fences.ts';

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/commonmark-fenced-code-blocks.json', import.meta.url), 'utf8'),
) as { attribution: string; examples: Array<{ example: number; markdown: string }> };

const reference = (markdown: string) =>
  new MarkdownIt()
    .parse(markdown, {})
    .filter((t) => t.type === 'fence')
    .map((t) => t.map);

describe('fence blocks follow CommonMark', () => {
  it('holds the spec section it claims to', () => {
    expect(fixture.attribution).toMatch(/CC-BY-SA 4\.0/);
    expect(fixture.examples.map((e) => e.example)).toEqual(Array.from({ length: 29 }, (_, i) => 119 + i));
  });

  for (const { example, markdown } of fixture.examples) {
    it(`example ${example}: the same fenced blocks as markdown-it`, () => {
      expect(fenceBlocks(markdown).map((b) => [b.startLine, b.endLine])).toEqual(reference(markdown));
    });
  }

  it('gives offsets that cover exactly the lines of each block', () => {
    const text = 'a\n```js\nx\n```\nb\n~~~\nunclosed\n';
    const blocks = fenceBlocks(text);
    expect(blocks.map((b) => text.slice(b.start, b.end))).toEqual(['```js\nx\n```\n', '~~~\nunclosed\n']);
    expect(blocks.map((b) => [b.marker, b.closed])).toEqual([
      ['```', true],
      ['~~~', false],
    ]);
  });
});
