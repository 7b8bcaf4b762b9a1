// Release notes as projects really write them, tidied for Discord and cut without breaking anything.
import { describe, expect, it } from 'vitest';
import { cutMarkdown, tidyMarkdown } from '../src/tracking/markdown.ts';
import { renderEvent } from '../src/tracking/render.ts';
import type { TrackedEvent } from '../src/tracking/store.ts';

const URL = 'https://github.com/o/r/releases/tag/v1';

describe('tidyMarkdown', () => {
  it('turns headings into bold lines and leaves code blocks alone', () => {
    const text = '## What changed ##\r\n```bash\n# not a heading\n<b>kept</b>\n```\n### Fixes';
    expect(tidyMarkdown(text)).toBe(
      '**What changed**\n```bash\n# not a heading\n<b>kept</b>\n```\n**Fixes**',
    );
  });

  it('replaces images, linked badges and HTML with links or nothing', () => {
    const text = [
      '[![CI](https://img.shields.io/ci.svg)](https://ci.example.com)',
      '<img src="https://x.io/a.png" alt="Architecture" width="400"/>',
      '![](https://x.io/b.png)',
      '<details><summary>Full changelog</summary>',
      '<!-- release-drafter: hidden -->',
      '- [x] done<br>- [ ] todo',
      '<a href="https://paper.example">the paper</a>',
      '</details>',
    ].join('\n');
    expect(tidyMarkdown(text)).toBe(
      [
        '[CI](https://ci.example.com)',
        '[🖼 Architecture](https://x.io/a.png)',
        '[🖼 image](https://x.io/b.png)',
        '**Full changelog**',
        '',
        '☑ done',
        '☐ todo',
        '[the paper](https://paper.example)',
      ].join('\n'),
    );
  });

  it('defuses @everyone and @here', () => {
    expect(tidyMarkdown('thanks @everyone and @here, cc @octocat')).toBe(
      'thanks @\u200beveryone and @\u200bhere, cc @octocat',
    );
  });
});

describe('cutMarkdown', () => {
  it('leaves short text as it is', () => {
    expect(cutMarkdown('short', 100, URL)).toBe('short');
  });

  it('cuts at a paragraph and links to the rest', () => {
    const text = `${'a'.repeat(60)}\n\n${'b'.repeat(100)}`;
    const cut = cutMarkdown(text, 140, URL);
    expect(cut).toBe(`${'a'.repeat(60)}\n\n[… Read more](${URL})`);
  });

  it('never leaves a link or a code block half-open', () => {
    const link = `${'word '.repeat(30)}see [the very long documentation page](https://example.com/${'x'.repeat(80)}) now`;
    const cutLink = cutMarkdown(link, 200, URL);
    expect(cutLink.length).toBeLessThanOrEqual(200);
    expect(cutLink).not.toContain('[the very');
    const code = `intro\n\`\`\`python\n${'print(1)\n'.repeat(40)}\`\`\``;
    const cutCode = cutMarkdown(code, 150, URL);
    expect(cutCode.length).toBeLessThanOrEqual(150);
    expect((cutCode.match(/```/g) ?? []).length).toBe(2);
    expect(cutCode.endsWith(`[… Read more](${URL})`)).toBe(true);
  });

  it('closes a code block with its own fence, and does not take ~~~ inside ``` for its end', () => {
    const tilde = `intro\n~~~~ yaml\n${'key: value\n'.repeat(40)}~~~~`;
    const cutTilde = cutMarkdown(tidyMarkdown(tilde), 200, URL);
    expect(cutTilde).toMatch(/\n~~~~\n\n\[… Read more\]/);
    const mixed = `intro\n\`\`\`\n${'a = 1\n'.repeat(5)}~~~\n${'b = 2\n'.repeat(40)}\`\`\``;
    const cutMixed = cutMarkdown(tidyMarkdown(mixed), 200, URL);
    expect(cutMixed).toMatch(/\n```\n\n\[… Read more\]/);
  });

  it('tidies prose after a ~~~ line inside a ``` block only once the block really ends', () => {
    const text = '```\n~~~\n# not a heading\n```\n# Heading';
    expect(tidyMarkdown(text)).toBe('```\n~~~\n# not a heading\n```\n**Heading**');
  });

  it('closes bold text cut on its last line', () => {
    const cut = cutMarkdown(`**${'bold words '.repeat(30)}**`, 120, URL);
    expect(cut.split('\n')[0]!.match(/\*\*/g)).toHaveLength(2);
  });
});

describe('renderEvent', () => {
  const release: TrackedEvent = {
    id: 1,
    source: 'github',
    targetKey: 'o/r',
    kind: 'releases',
    target: 'o/r',
    externalId: 'v1',
    title: 'x'.repeat(400),
    url: URL,
    author: 'someone',
    body: 'z'.repeat(10_000),
    prerelease: true,
    labels: [],
    details: { tag: 'v1' },
    publishedAt: '2026-11-23T09:00:00.000Z',
    firstSeenAt: '2026-11-23T09:00:00.000Z',
    updatedAt: '2026-11-23T09:00:00.000Z',
    baseline: false,
    state: null,
    closedAt: null,
  };

  it('keeps every part of the embed inside Discord’s limits', () => {
    const embed = renderEvent(release).embeds![0]!;
    expect(embed.title!.length).toBeLessThanOrEqual(256);
    expect(embed.title!.startsWith('Pre-release ')).toBe(true);
    expect(embed.description!.length).toBeLessThanOrEqual(4096);
    expect(embed.description!.endsWith(`[… Read the full notes](${URL})`)).toBe(true);
    expect(JSON.stringify(embed).length).toBeLessThan(6000);
    expect(embed.fields!.map((f) => f.name)).toEqual(['Repository', 'Tag', 'Pre-release']);
  });
});
