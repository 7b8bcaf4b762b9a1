// The text of a filed issue: the idea, a hidden marker that identifies it, and a bot-owned
// section between markers that the bot refreshes. Nothing outside that section is ever rewritten.
import type { Idea } from './types.ts';

export const SECTION_BEGIN = '<!-- open-model-hub:section:begin -->';
export const SECTION_END = '<!-- open-model-hub:section:end -->';

/** Identifies the issue of one idea; a retry after a crash finds the issue by it. */
export function ideaMarker(guildId: string, number: number): string {
  return `<!-- open-model-hub idea ${guildId}:${number} -->`;
}

/**
 * Character references a browser decodes to "@": decimal 64 and hex 40 with any leading zeros and
 * either x, semicolon or not (HTML decodes numeric references without it, and GitHub passes HTML
 * blocks through), and the named &commat; in any case.
 */
const AT_REFERENCE = /&(?:#0*64(?![0-9])|#x0*40(?![0-9a-f])|commat);?/gi;

/**
 * Member text made inert on GitHub: "@name" and "@org/team" would notify people, in whatever
 * form the "@" arrives (a character reference, a backslash escape, an entity-encoded first
 * letter), and an HTML comment could forge our markers. Every "@" not followed by a space gets a
 * zero-width space after it, so GitHub's mention pattern (an "@" then a letter or digit) never
 * matches, while readers still see the "@". The full-width "＠" is not a mention and stays.
 */
export function inert(text: string): string {
  return text
    .replaceAll('<!--', '&lt;!--')
    .replaceAll('-->', '--&gt;')
    .replace(AT_REFERENCE, '@')
    .replace(/@(?![\s\u200b]|$)/g, '@\u200b');
}

/** The issue title: the idea's, made inert like the body (a title is member text too). */
export function issueTitle(idea: Pick<Idea, 'title'>): string {
  return inert(idea.title);
}

export function sectionText(idea: Idea, discussion: string | null, board: string | null = null): string {
  const lines = [`**Community votes:** ${idea.up} up, ${idea.down} down`];
  if (discussion) lines.push(`**Discussion:** ${discussion}`);
  // The board page is readable without joining the Discord server, unlike the discussion link.
  if (board) lines.push(`**On the web:** ${board}`);
  return `${SECTION_BEGIN}\n${lines.join('\n')}\n${SECTION_END}`;
}

export function issueBody(
  idea: Idea,
  o: { guildName: string; discussion: string | null; marker: string; board?: string | null },
): string {
  const parts = [
    `### Problem or motivation\n\n${inert(idea.problem)}`,
    `### Proposal\n\n${inert(idea.proposal)}`,
  ];
  if (idea.evidence) parts.push(`### Evidence and links\n\n${inert(idea.evidence)}`);
  parts.push(`Proposed by ${inert(idea.authorName)} in ${inert(o.guildName)} (idea #${idea.number}).`);
  if (o.board) parts.push(`Read the idea, its votes and its history on the community board: ${o.board}`);
  parts.push(sectionText(idea, o.discussion, o.board ?? null));
  parts.push(o.marker);
  return parts.join('\n\n');
}

/**
 * The body with its bot-owned section replaced; null when the markers are gone (a maintainer
 * removed them), in which case the issue is left alone.
 */
export function replaceSection(body: string, section: string): string | null {
  const begin = body.indexOf(SECTION_BEGIN);
  const end = body.indexOf(SECTION_END, begin + SECTION_BEGIN.length);
  if (begin === -1 || end === -1) return null;
  return body.slice(0, begin) + section + body.slice(end + SECTION_END.length);
}
