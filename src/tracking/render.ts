// The embeds users see for a release, an issue or a model, and the "and N more" line.
import { LIMITS, truncate } from '../discord/format.ts';
import type { APIEmbed } from '../discord/payloads.ts';
import type { OutgoingMessage } from '../discord/post.ts';
import { cutMarkdown, tidyMarkdown } from './markdown.ts';
import type { Kind, TrackedEvent, Watch } from './store.ts';

/** Release notes and issue bodies are previews: the link holds the rest. */
export const BODY_PREVIEW_CHARS = 1500;

const COLORS = { release: 0x2da44e, prerelease: 0xd29922, issue: 0x8250df, model: 0xffb000 } as const;

function body(event: TrackedEvent): string | undefined {
  if (!event.body?.trim()) return undefined;
  const tidy = tidyMarkdown(event.body);
  if (!tidy) return undefined;
  const label = event.kind === 'releases' ? 'Read the full notes' : 'Read more';
  return cutMarkdown(tidy, Math.min(BODY_PREVIEW_CHARS, LIMITS.embedDescription), event.url, label);
}

function author(event: TrackedEvent, webBase: string): APIEmbed['author'] {
  if (!event.author) return undefined;
  return {
    name: truncate(event.author, LIMITS.authorName),
    url: `${webBase}/${encodeURIComponent(event.author)}`,
  };
}

export function renderEvent(event: TrackedEvent): OutgoingMessage {
  const embed: APIEmbed = { url: event.url, timestamp: event.publishedAt };
  const fields: NonNullable<APIEmbed['fields']> = [];
  if (event.kind === 'releases') {
    const tag = event.details.tag ?? event.externalId;
    const name = event.title === tag ? tag : `${event.title} (${tag})`;
    embed.title = truncate(
      `${event.prerelease ? 'Pre-release' : 'Release'} ${name} · ${event.target}`,
      LIMITS.embedTitle,
    );
    embed.color = event.prerelease ? COLORS.prerelease : COLORS.release;
    embed.author = author(event, 'https://github.com');
    fields.push({
      name: 'Repository',
      value: `[${event.target}](https://github.com/${event.target})`,
      inline: true,
    });
    fields.push({
      name: 'Tag',
      value: truncate(`\`${tag.replace(/`/g, "'")}\``, LIMITS.fieldValue),
      inline: true,
    });
    if (event.prerelease) fields.push({ name: 'Pre-release', value: 'yes', inline: true });
    embed.footer = { text: 'GitHub release' };
  } else if (event.kind === 'issues') {
    embed.title = truncate(`#${event.externalId} ${event.title}`, LIMITS.embedTitle);
    embed.color = COLORS.issue;
    embed.author = author(event, 'https://github.com');
    fields.push({
      name: 'Repository',
      value: `[${event.target}](https://github.com/${event.target})`,
      inline: true,
    });
    if (event.labels.length)
      fields.push({
        name: 'Labels',
        value: truncate(event.labels.map((l) => `\`${l.replace(/`/g, "'")}\``).join(' '), LIMITS.fieldValue),
        inline: true,
      });
    embed.footer = { text: 'New GitHub issue' };
  } else {
    embed.title = truncate(event.title, LIMITS.embedTitle);
    embed.color = COLORS.model;
    const web = event.url.slice(0, event.url.length - event.externalId.length - 1);
    fields.push({ name: 'Organisation', value: `[${event.target}](${web}/${event.target})`, inline: true });
    // Free text from the model card: an over-long value would get the whole post rejected.
    const field = (value: string | undefined, none: string) =>
      truncate(value?.trim() || none, LIMITS.fieldValue);
    fields.push({ name: 'Task', value: field(event.details.pipeline, 'not set'), inline: true });
    fields.push({ name: 'Library', value: field(event.details.library, 'not set'), inline: true });
    fields.push({ name: 'Licence', value: field(event.details.license, 'not stated'), inline: true });
    if (event.details.gated)
      fields.push({ name: 'Access', value: 'gated (accept the conditions on the model card)', inline: true });
    embed.description = `[Model card](${event.url})`;
    embed.footer = { text: 'New model on Hugging Face' };
  }
  const text = body(event);
  if (text) embed.description = text;
  embed.fields = fields;
  return { embeds: [embed] };
}

const LIST_PAGES: Record<Kind, (target: string, web: string) => string> = {
  releases: (t) => `https://github.com/${t}/releases`,
  issues: (t) => `https://github.com/${t}/issues?q=is%3Aissue+sort%3Acreated-desc`,
  models: (t, web) => `${web}/models?author=${encodeURIComponent(t)}&sort=created`,
};

const NOUNS: Record<Kind, [string, string]> = {
  releases: ['release', 'releases'],
  issues: ['issue', 'issues'],
  models: ['model', 'models'],
};

/**
 * One line after a capped catch-up: how many were not posted, and where to see them. `unread`:
 * the read-back stopped at its bound, so more were published than were read and `count` is a
 * lower bound.
 */
export function renderOverflow(
  watch: Watch,
  kind: Kind,
  count: number,
  hubWebUrl: string,
  unread = false,
): OutgoingMessage {
  const link = `<${LIST_PAGES[kind](watch.target, hubWebUrl)}>`;
  const of = `of ${watch.target} while the bot was away`;
  const text = !unread
    ? `…and ${count} more ${NOUNS[kind][count === 1 ? 0 : 1]} ${of}: ${link}`
    : count > 0
      ? `…and more than ${count} more ${NOUNS[kind][1]} ${of} (too many to read back): ${link}`
      : `…and possibly more ${NOUNS[kind][1]} ${of} (too many changes to read back): ${link}`;
  return { content: truncate(text, LIMITS.content) };
}
