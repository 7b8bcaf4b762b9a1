// renderDigest: a Digest → Discord messages, every one inside Discord's limits. Long sections
// continue in further embeds and messages; lines are never cut, so links stay whole.
import { escapeMarkdown, LIMITS, truncate } from '../discord/format.ts';
import type { APIEmbed } from '../discord/payloads.ts';
import type { OutgoingMessage } from '../discord/post.ts';
import type { Digest, IdeaLine } from './types.ts';
import { formatLocalDate } from './week.ts';

const COLOR = 0x2b6cb0;
/** Past this many messages a digest stops being read; the rest is summarised in one line. */
export const MAX_MESSAGES = 6;
const RELEASES_PER_PROJECT = 5;
const MODELS_PER_ORG = 5;
const TITLE_CHARS = 90;
// Characters each section may use, so a busy releases week cannot push ideas and models
// tried out of the post: together they fit in about four messages.
const BUDGET = { releases: 7000, models: 2500, issues: 2500, ideaGroup: 1200, runs: 1200, people: 1200 };

interface Block {
  title: string;
  lines: string[];
}

export function chartFileName(digest: Digest): string {
  return `activity-${digest.week.key}.png`;
}

const text = (s: string) => escapeMarkdown(truncate(s.replace(/\s+/g, ' ').trim(), TITLE_CHARS));
const link = (label: string, url: string) => `[${text(label)}](${url})`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Whole groups of lines (a project and its releases, say) while they fit; the rest summed up in one line. */
function fitLines<T>(
  items: T[],
  render: (item: T) => string[],
  budget: number,
  rest: (left: T[]) => string,
): string[] {
  const lines: string[] = [];
  let used = 0;
  for (let i = 0; i < items.length; i++) {
    const group = render(items[i]!);
    const size = group.reduce((n, l) => n + l.length + 1, 0);
    if (used + size > budget) {
      lines.push(rest(items.slice(i)));
      break;
    }
    lines.push(...group);
    used += size;
  }
  return lines;
}

function ideaLine(idea: IdeaLine, extra = ''): string {
  const title = idea.url ? link(`#${idea.id} ${idea.title}`, idea.url) : `#${idea.id} ${text(idea.title)}`;
  const issue = idea.issueUrl ? ` · [GitHub issue](${idea.issueUrl})` : '';
  return `• ${title}${extra}${issue}`;
}

function blocks(d: Digest): Block[] {
  const out: Block[] = [];
  if (d.releases && d.releases.length > 0) {
    const lines = fitLines(
      d.releases,
      (p) => [
        `**${link(p.project, p.url)}**`,
        ...p.releases
          .slice(0, RELEASES_PER_PROJECT)
          .map((r) => `• ${link(r.text, r.url)}${r.prerelease ? ' (pre-release)' : ''}`),
        ...(p.releases.length > RELEASES_PER_PROJECT
          ? [`…and ${p.releases.length - RELEASES_PER_PROJECT} more: [all releases](${p.url}/releases)`]
          : []),
      ],
      BUDGET.releases,
      (left) =>
        `…and ${plural(left.length, 'more project')} with ${plural(
          left.reduce((n, p) => n + p.releases.length, 0),
          'release',
        )}`,
    );
    out.push({ title: 'Releases', lines });
  }
  if (d.models && d.models.length > 0) {
    const lines = fitLines(
      d.models,
      (o) => [
        `**${link(o.org, o.url)}**`,
        ...o.models.slice(0, MODELS_PER_ORG).map((m) => `• ${link(m.text, m.url)}`),
        ...(o.models.length > MODELS_PER_ORG
          ? [`…and ${o.models.length - MODELS_PER_ORG} more: [all models](${o.url})`]
          : []),
      ],
      BUDGET.models,
      (left) =>
        `…and ${plural(left.length, 'more organisation')} with ${plural(
          left.reduce((n, o) => n + o.models.length, 0),
          'new model',
        )}`,
    );
    out.push({ title: 'New models on Hugging Face', lines });
  }
  if (d.issues && d.issues.length > 0) {
    const counts = (r: { opened: number; closed: number | null }) =>
      `${r.opened} opened${r.closed === null ? '' : `, ${r.closed} closed`}`;
    const lines = fitLines(
      d.issues,
      (r) => [`• ${link(r.repo, `${r.url}/issues`)}: ${counts(r)}`],
      BUDGET.issues,
      (left) =>
        `…and ${plural(left.length, 'more repository', 'more repositories')}: ${counts({
          opened: left.reduce((n, r) => n + r.opened, 0),
          closed: left.some((r) => r.closed !== null) ? left.reduce((n, r) => n + (r.closed ?? 0), 0) : null,
        })}`,
    );
    out.push({ title: 'Issue activity', lines });
  }
  if (d.ideas) {
    const s = d.ideas;
    const lines: string[] = [];
    const group = (label: string, ideas: IdeaLine[], extra: (i: IdeaLine) => string = () => '') => {
      if (ideas.length === 0) return;
      lines.push(`**${label}**`);
      lines.push(
        ...fitLines(
          ideas,
          (i) => [ideaLine(i, extra(i))],
          BUDGET.ideaGroup,
          (left) => `…and ${plural(left.length, 'more idea')}`,
        ),
      );
    };
    group('Top ideas this week', s.top, (i) => ` — +${i.weekVotes ?? 0} this week (${i.votes} in all)`);
    group('Accepted', s.accepted);
    group('Filed on GitHub', s.filed);
    group('Done', s.done);
    group('Declined', s.declined);
    if (s.submitted > 0 || lines.length > 0)
      out.push({ title: 'Ideas', lines: [`${plural(s.submitted, 'new idea')} this week.`, ...lines] });
  }
  if (d.modelRuns && d.modelRuns.total > 0) {
    const r = d.modelRuns;
    const top = r.perModel[0]!;
    const lines = [
      `${plural(r.total, 'run')} by ${plural(r.people, 'person', 'people')}. Most tried: **${text(top.model)}** (${plural(top.runs, 'run')}).`,
      ...fitLines(
        r.perModel,
        (m) => [`• ${text(m.model)}: ${plural(m.runs, 'run')}, ${plural(m.people, 'person', 'people')}`],
        BUDGET.runs,
        (left) => `…and ${plural(left.length, 'more model')}`,
      ),
    ];
    out.push({ title: 'Models tried', lines });
  }
  if (d.newContributors && d.newContributors.length > 0) {
    // Names, not mentions: the digest greets newcomers without pinging them.
    const lines = fitLines(
      d.newContributors,
      (c) => [`• ${text(c.name ?? 'a member')} (${plural(c.ideas, 'idea')})`],
      BUDGET.people,
      (left) => `…and ${plural(left.length, 'more person', 'more people')}`,
    );
    out.push({ title: 'First-time contributors', lines });
  }
  return out;
}

function summary(d: Digest): string {
  const sum = (k: 'releases' | 'issues' | 'ideas' | 'modelRuns') => d.days.reduce((n, day) => n + day[k], 0);
  const parts: string[] = [];
  if (d.releases) parts.push(plural(sum('releases'), 'release'));
  if (d.models)
    parts.push(
      plural(
        d.models.reduce((n, o) => n + o.models.length, 0),
        'new model',
      ),
    );
  if (d.issues) parts.push(`${plural(sum('issues'), 'issue')} opened`);
  if (d.ideas) parts.push(plural(sum('ideas'), 'idea'));
  if (d.modelRuns) parts.push(plural(sum('modelRuns'), 'model run'));
  return parts.join(' · ');
}

function span(d: Digest): string {
  const first = formatLocalDate(d.week.days[0]!.date);
  const last = formatLocalDate(d.week.days[6]!.date);
  return `${first} to ${last} (${d.week.timeZone})`;
}

export function digestTitle(d: Digest): string {
  return d.complete ? `Weekly digest · ${d.week.key}` : `This week so far · ${d.week.key}`;
}

/** The one-line post of a week with nothing to show. */
export function quietText(d: Digest): string {
  return `**${digestTitle(d)}** — a quiet week (${span(d)}): no releases, issue activity, ideas or model runs to report.`;
}

function embedSize(e: APIEmbed): number {
  return (
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.footer?.text.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

/** Splits a block into embeds whose descriptions fit, continuing the title. */
function blockEmbeds(block: Block): APIEmbed[] {
  const embeds: APIEmbed[] = [];
  let lines: string[] = [];
  let size = 0;
  const flush = () => {
    if (lines.length === 0) return;
    embeds.push({
      title: embeds.length === 0 ? block.title : `${block.title} (continued)`,
      description: lines.join('\n'),
      color: COLOR,
    });
    lines = [];
    size = 0;
  };
  for (const raw of block.lines) {
    const line = truncate(raw, 1000);
    // 3000 keeps two section embeds in one message under the 6000-character total.
    if (size + line.length + 1 > 3000) flush();
    lines.push(line);
    size += line.length + 1;
  }
  flush();
  return embeds;
}

/**
 * The messages of a digest, in order. The first carries the header embed and, when given, the
 * chart as an attached PNG. A quiet digest is one short line of text, never an empty embed.
 */
export function renderDigest(d: Digest, chartPng?: Buffer): OutgoingMessage[] {
  if (d.quiet) return [{ content: quietText(d) }];
  const header: APIEmbed = {
    title: digestTitle(d),
    description: `${span(d)}\n${summary(d)}`,
    color: COLOR,
    footer: {
      text: d.complete ? 'Open Model Hub weekly digest' : 'Counted until now; the week is not over.',
    },
    timestamp: d.until.toISOString(),
    ...(chartPng ? { image: { url: `attachment://${chartFileName(d)}` } } : {}),
  };
  const embeds = [header, ...blocks(d).flatMap(blockEmbeds)];

  const messages: Array<{ embeds: APIEmbed[]; size: number }> = [];
  for (const embed of embeds) {
    const size = embedSize(embed);
    const last = messages.at(-1);
    if (last && last.embeds.length < LIMITS.embedsPerMessage && last.size + size <= LIMITS.embedsTotal) {
      last.embeds.push(embed);
      last.size += size;
    } else {
      messages.push({ embeds: [embed], size });
    }
  }
  if (messages.length > MAX_MESSAGES) {
    const dropped = messages.splice(MAX_MESSAGES).reduce((n, m) => n + m.embeds.length, 0);
    const last = messages.at(-1)!;
    const note: APIEmbed = {
      description: `…${plural(dropped, 'more part')} not shown. Use /digest preview to see this week so far.`,
      color: COLOR,
    };
    if (last.embeds.length >= LIMITS.embedsPerMessage || last.size + embedSize(note) > LIMITS.embedsTotal)
      last.embeds.pop();
    last.embeds.push(note);
  }
  return messages.map((m, i) => ({
    embeds: m.embeds,
    ...(i === 0 && chartPng ? { files: [{ name: chartFileName(d), data: chartPng }] } : {}),
  }));
}
