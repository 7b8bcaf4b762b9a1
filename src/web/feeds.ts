// Atom 1.0 feeds (RFC 4287) of a server's ideas, releases and digests. Entry ids are tag: URIs
// (RFC 4151) built from things that never change (the board's host, the entry's creation date and
// its key), so a feed reader never sees an entry twice; every text is escaped, and characters XML
// cannot carry at all are dropped.
import { type Idea, STATUS_LABELS } from '../ideas/types.ts';
import type { TrackedEvent } from '../tracking/store.ts';
import type { ArchivedDigest } from './archive.ts';
import { boardPath } from './boards.ts';
import { digestSummary } from './digest-view.tsx';
import { renderMarkdown } from './markdown.ts';

// XML 1.0 Char: tab, newline, carriage return, U+0020–U+D7FF, U+E000–U+FFFD and the astral planes
// (with the u flag a lone surrogate is a code point of its own, outside these ranges).
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlEscape(text: string): string {
  return text
    .replace(NOT_XML, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

interface Entry {
  id: string;
  title: string;
  updated: string;
  published?: string;
  link: string;
  author?: string | null;
  summary?: string;
  /** HTML, escaped into the element (type="html"). */
  contentHtml?: string;
}

export interface FeedContext {
  baseUrl: string;
  guildId: string;
  guildName: string;
  /** When the board was made public: the feed's `updated` while it has no entries. */
  since: string;
}

/** When Discord created the server (a snowflake's top bits): a date that never changes, for the feed's own id. */
function snowflakeDate(id: string): string {
  return new Date(Number(BigInt(id) >> 22n) + 1_420_070_400_000).toISOString();
}

function tagUri(baseUrl: string, isoDate: string, specific: string): string {
  return `tag:${new URL(baseUrl).host},${isoDate.slice(0, 10)}:${specific}`;
}

function feed(
  ctx: FeedContext,
  name: 'ideas' | 'releases' | 'digests',
  title: string,
  entries: Entry[],
): string {
  const self = `${ctx.baseUrl}${boardPath.feed(ctx.guildId, name)}`;
  const updated = latest([ctx.since, ...entries.map((e) => e.updated)]);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `<id>${xmlEscape(tagUri(ctx.baseUrl, snowflakeDate(ctx.guildId), `g/${ctx.guildId}/${name}`))}</id>`,
    `<title>${xmlEscape(`${title} · ${ctx.guildName}`)}</title>`,
    `<updated>${xmlEscape(updated)}</updated>`,
    `<link rel="self" type="application/atom+xml" href="${xmlEscape(self)}"/>`,
    `<link rel="alternate" type="text/html" href="${xmlEscape(`${ctx.baseUrl}${boardPath.home(ctx.guildId)}`)}"/>`,
    `<author><name>${xmlEscape(ctx.guildName)}</name></author>`,
    '<generator>Open Model Hub</generator>',
  ];
  for (const e of entries) {
    lines.push(
      '<entry>',
      `<id>${xmlEscape(e.id)}</id>`,
      `<title type="text">${xmlEscape(e.title)}</title>`,
      `<updated>${xmlEscape(e.updated)}</updated>`,
      ...(e.published ? [`<published>${xmlEscape(e.published)}</published>`] : []),
      `<link rel="alternate" type="text/html" href="${xmlEscape(e.link)}"/>`,
      ...(e.author ? [`<author><name>${xmlEscape(e.author)}</name></author>`] : []),
      ...(e.summary ? [`<summary type="text">${xmlEscape(e.summary)}</summary>`] : []),
      ...(e.contentHtml ? [`<content type="html">${xmlEscape(e.contentHtml)}</content>`] : []),
      '</entry>',
    );
  }
  lines.push('</feed>');
  return `${lines.join('\n')}\n`;
}

/** The latest of some ISO instants (same format, so text order is time order). */
const latest = (isos: string[]) => isos.sort().at(-1)!;

/** Atom wants RFC 3339 instants; the stores hold ISO text, which may lack milliseconds or a zone. */
function instant(iso: string): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? new Date(t).toISOString() : new Date(0).toISOString();
}

export function ideasFeed(ctx: FeedContext, ideas: Idea[]): string {
  return feed(
    ctx,
    'ideas',
    'Ideas',
    ideas.map((i) => ({
      id: tagUri(ctx.baseUrl, i.createdAt, `g/${ctx.guildId}/ideas/${i.number}`),
      title: `#${i.number} ${i.title}`,
      updated: instant(i.updatedAt),
      published: instant(i.createdAt),
      link: `${ctx.baseUrl}${boardPath.idea(ctx.guildId, i.number)}`,
      author: i.authorName,
      summary: `${STATUS_LABELS[i.status]}${i.statusReason ? ` (${i.statusReason})` : ''} · ${i.up} up, ${i.down} down`,
      contentHtml: renderMarkdown(`**Problem.** ${i.problem}\n\n**Proposal.** ${i.proposal}`),
    })),
  );
}

export function releasesFeed(ctx: FeedContext, releases: TrackedEvent[]): string {
  return feed(
    ctx,
    'releases',
    'Releases',
    releases.map((r) => ({
      id: tagUri(ctx.baseUrl, r.firstSeenAt, `releases/${r.targetKey}/${encodeURIComponent(r.externalId)}`),
      title: `${r.target} ${r.title}${r.prerelease ? ' (pre-release)' : ''}`,
      updated: latest([instant(r.updatedAt), instant(r.publishedAt)]),
      published: instant(r.publishedAt),
      link: r.url,
      author: r.author,
      ...(r.body ? { contentHtml: renderMarkdown(r.body.slice(0, 20_000)) } : {}),
    })),
  );
}

export function digestsFeed(ctx: FeedContext, digests: ArchivedDigest[]): string {
  return feed(
    ctx,
    'digests',
    'Weekly digests',
    digests.map((d) => ({
      id: tagUri(ctx.baseUrl, d.digest.week.start.toISOString(), `g/${ctx.guildId}/digests/${d.isoWeek}`),
      title: `Week ${d.isoWeek}`,
      updated: instant(d.postedAt),
      link: `${ctx.baseUrl}${boardPath.digest(ctx.guildId, d.isoWeek)}`,
      summary: digestSummary(d.digest),
    })),
  );
}
