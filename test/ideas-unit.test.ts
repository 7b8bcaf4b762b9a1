// The pure parts of ideas: input checks, the issue body and its bot-owned section, what an
// issue's state means for the idea, and the words search ranks on.
// entities is markdown-it's own decoder (WHATWG's rules: numeric references decode without their
// semicolon too), used here to read rendered HTML as a browser would.
import { decodeHTML } from 'entities';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.ts';
import {
  ideaMarker,
  inert,
  issueBody,
  issueTitle,
  replaceSection,
  SECTION_BEGIN,
  SECTION_END,
  sectionText,
} from '../src/ideas/issue-body.ts';
import { validateSubmission } from '../src/ideas/lifecycle.ts';
import { allOf, anyOf, overlap, rarestTerms, similarityTerms, terms } from '../src/ideas/search.ts';
import { upstreamStatus } from '../src/ideas/sync.ts';
import type { Idea } from '../src/ideas/types.ts';

const idea = (over: Partial<Idea> = {}): Idea => ({
  id: 1,
  guildId: '1',
  number: 7,
  authorId: '2',
  authorName: 'Mo',
  family: null,
  title: 'T',
  problem: 'P',
  proposal: 'Q',
  evidence: '',
  status: 'filed',
  statusReason: null,
  duplicateOf: null,
  up: 3,
  down: 1,
  channelId: null,
  messageId: null,
  threadId: null,
  isForum: false,
  issueRepo: 'a/b',
  issueNumber: 1,
  issueUrl: 'https://github.com/a/b/issues/1',
  issueEtag: null,
  filedAt: null,
  sectionUp: null,
  sectionDown: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('validateSubmission', () => {
  it('trims fields and lower-cases the family', () => {
    expect(
      validateSubmission({ title: ' T ', problem: 'P', proposal: 'Q', evidence: null, family: ' Granite ' }),
    ).toEqual({
      title: 'T',
      problem: 'P',
      proposal: 'Q',
      evidence: '',
      family: 'granite',
    });
  });
  it('names the field that is empty or too long', () => {
    expect(() => validateSubmission({ title: 'T', problem: '', proposal: 'Q' })).toThrow(
      new UserError('The problem or motivation is empty. Write a few words, then submit again.'),
    );
    expect(() => validateSubmission({ title: 'x'.repeat(101), problem: 'P', proposal: 'Q' })).toThrow(
      'The title is 101 characters long; the limit is 100.',
    );
    expect(() => validateSubmission({ title: 'T', problem: 'P', proposal: 'Q', family: 'a:b' })).toThrow(
      'The model family may use letters',
    );
  });
});

describe('the issue body', () => {
  it('carries the marker and a section, and member text cannot ping or forge markers', () => {
    const body = issueBody(idea({ problem: '@octocat look <!-- open-model-hub:section:end -->' }), {
      guildName: 'Open Models',
      discussion: 'https://discord.com/channels/1/2',
      marker: ideaMarker('1', 7),
    });
    expect(body.endsWith('<!-- open-model-hub idea 1:7 -->')).toBe(true);
    expect(body).not.toContain('@octocat');
    expect(body.split(SECTION_END)).toHaveLength(2);
    expect(inert('a@b.c @x')).toBe('a@\u200bb.c @\u200bx');
  });
  it('replaces only the section, and refuses when a marker is gone', () => {
    const body = `before\n${sectionText(idea({ up: 1 }), null)}\nafter`;
    const next = replaceSection(body, sectionText(idea({ up: 5 }), null))!;
    expect(next.startsWith('before\n')).toBe(true);
    expect(next.endsWith('\nafter')).toBe(true);
    expect(next).toContain('5 up, 1 down');
    expect(replaceSection(body.replace(SECTION_BEGIN, ''), 'x')).toBeNull();
  });
});

/**
 * The names a GitHub page would mention: the Markdown rendered (raw HTML passed through, as GitHub
 * does before sanitising), the tags dropped, character references decoded once as a browser
 * does, then GitHub's mention pattern (@ after a non-word character, then a login or org/team).
 */
function mentionsRendered(markdown: string): string[] {
  const html = new MarkdownIt({ html: true, linkify: true }).render(markdown);
  const text = decodeHTML(html.replace(/<[^>]*>/g, ' '));
  return [...text.matchAll(/(?:^|[^\w`])@([a-z0-9][a-z0-9-]*(?:\/[a-z0-9][\w.-]*)?)/gi)].map((m) => m[1]!);
}

const HOSTILE = [
  '&#64;monalisa',
  '&commat;hubot',
  '&#x40;octocat',
  '&#0064;mona',
  '&#X40;mona',
  '&#x0040;mona',
  '&#64;org/team',
  '@&#109;onalisa',
  '&#64;&#109;ona',
  '\\@monalisa',
  '@monalisa at the start',
  '(@monalisa), "@hubot", .@octocat',
  '[@monalisa](https://example.com) and <https://example.com/@hubot>',
  '**@monalisa** _@hubot_',
  'ask @org/team',
];

describe('mentions made inert, in every form GitHub renders', () => {
  it('the hostile forms do render as mentions when left alone (the check can fail)', () => {
    for (const form of HOSTILE.slice(0, 9)) expect(mentionsRendered(form), form).not.toEqual([]);
    // Without the semicolon HTML still decodes a numeric reference, in an HTML block for one.
    expect(mentionsRendered('<div>\n&#64monalisa &#x40hubot\n</div>')).toEqual(['monalisa', 'hubot']);
  });

  it('none of them mentions anyone in a filed body or title', () => {
    for (const form of [...HOSTILE, '<div>\n&#64monalisa &#x40hubot &COMMAT;x &commatoctocat\n</div>']) {
      const body = issueBody(idea({ problem: form, proposal: `Line one\n${form}`, evidence: form }), {
        guildName: form,
        discussion: null,
        marker: ideaMarker('1', 7),
      });
      expect(mentionsRendered(body), form).toEqual([]);
      expect(mentionsRendered(issueTitle({ title: form })), form).toEqual([]);
      expect(issueTitle({ title: form })).not.toMatch(/&(#0*64|#x0*40|commat)/i);
    }
  });

  it('keeps what is not a mention as written: the full-width ＠, plain text, the decoded @ still visible', () => {
    expect(inert('＠monalisa')).toBe('＠monalisa');
    expect(inert('no mentions here & there')).toBe('no mentions here & there');
    expect(inert('&#64;monalisa')).toBe('@\u200bmonalisa');
    expect(inert('&#640;')).toBe('&#640;');
  });
});

describe('issueTitle', () => {
  it('breaks @mentions in the title as in the body, and leaves other titles as they are', () => {
    expect(issueTitle({ title: 'Ask @octocat and @org/team' })).toBe(
      'Ask @\u200boctocat and @\u200borg/team',
    );
    expect(issueTitle({ title: 'Grouped query attention' })).toBe('Grouped query attention');
  });
});

describe('upstreamStatus', () => {
  it('maps closed and reopened issues to idea statuses, and says nothing when they agree', () => {
    expect(upstreamStatus(idea(), { state: 'closed', state_reason: 'completed', html_url: '' })?.to).toBe(
      'done',
    );
    expect(upstreamStatus(idea(), { state: 'closed', state_reason: 'not_planned', html_url: '' })?.to).toBe(
      'declined_upstream',
    );
    expect(upstreamStatus(idea(), { state: 'closed', state_reason: 'duplicate', html_url: '' })).toEqual({
      to: 'declined_upstream',
      reason: 'The GitHub issue was closed as a duplicate of another issue.',
    });
    expect(upstreamStatus(idea({ status: 'done' }), { state: 'open', html_url: '' })?.to).toBe('filed');
    expect(upstreamStatus(idea(), { state: 'open', html_url: '' })).toBeNull();
    expect(
      upstreamStatus(idea({ status: 'done' }), { state: 'closed', state_reason: 'completed', html_url: '' }),
    ).toBeNull();
  });
});

describe('search terms', () => {
  it('keeps telling words only, quoted so FTS5 syntax in ideas is just text', () => {
    expect(terms('The AND "NEAR" of attention, attention!')).toEqual(['near', 'attention']);
    expect(anyOf(['a"b', 'c'])).toBe('"ab" OR "c"');
    expect(allOf(['x', 'y'])).toBe('"x" "y"');
    expect(anyOf([])).toBeNull();
    expect(similarityTerms('Sliding window', 'a long explanation of windows', 3)).toEqual([
      'sliding',
      'window',
      'explanation',
    ]);
    expect(overlap(['sliding', 'window'], 'a sliding door')).toBe(0.5);
  });
  it('ranks on the rarest words within a budget of matching ideas', () => {
    const df: Record<string, number> = { attention: 90_000, rotary: 300, yarn: 20, cache: 4_000 };
    const chosen = rarestTerms(['attention', 'rotary', 'yarn', 'cache'], (w) => df[w] ?? 0, {
      max: 8,
      budget: 2000,
    });
    expect(chosen.map((c) => c.word)).toEqual(['yarn', 'rotary']);
    const common = rarestTerms(['attention'], (w) => df[w] ?? 0, { max: 8, budget: 2000 });
    expect(common).toEqual([{ word: 'attention', df: 90_000 }]);
  });
});
