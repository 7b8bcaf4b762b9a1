// What the board shows, read through the same services as the Discord commands (the ideas
// lifecycle's list and search, the tracking store, the digest archive): no second query layer.
import type { Clock } from '../clock.ts';
import { UserError } from '../errors.ts';
import type { IdeaLifecycle } from '../ideas/lifecycle.ts';
import type { IdeaStore } from '../ideas/store.ts';
import type { Idea, IdeaEvent } from '../ideas/types.ts';
import type { TrackedEvent, TrackingStore, Watch } from '../tracking/store.ts';
import type { ArchivedDigest, DigestArchive } from './archive.ts';
import { BadRequest, type IdeaListParams, PAGE_SIZE } from './params.ts';

/** Search reads this many ranked matches at most, then filters and pages them. */
export const SEARCH_CAP = 200;
const MONTH_MS = 30 * 24 * 60 * 60 * 1000;

export interface BoardSources {
  ideas: { lifecycle: IdeaLifecycle; store: IdeaStore };
  tracking: TrackingStore;
  archive: DigestArchive;
  clock: Clock;
}

export interface Project {
  source: 'github' | 'huggingface';
  name: string;
  url: string;
  latest: TrackedEvent | null;
}

export interface IdeaPage {
  ideas: Idea[];
  hasNext: boolean;
}

export class BoardReader {
  constructor(private readonly s: BoardSources) {}

  /** /idea list's orders, or /idea search's ranking when there is a query. */
  async ideas(guildId: string, p: IdeaListParams): Promise<IdeaPage> {
    const offset = (p.page - 1) * PAGE_SIZE;
    if (p.q) {
      let found: Idea[];
      try {
        found = await this.s.ideas.lifecycle.search(guildId, p.q, SEARCH_CAP);
      } catch (error) {
        if (error instanceof UserError) throw new BadRequest(error.message);
        throw error;
      }
      const kept = found.filter(
        (i) => (!p.status || i.status === p.status) && (!p.family || i.family === p.family),
      );
      return { ideas: kept.slice(offset, offset + PAGE_SIZE), hasNext: kept.length > offset + PAGE_SIZE };
    }
    const rows = await this.s.ideas.lifecycle.list(
      guildId,
      { status: p.status, family: p.family, sort: p.sort },
      PAGE_SIZE + 1,
      offset,
    );
    return { ideas: rows.slice(0, PAGE_SIZE), hasNext: rows.length > PAGE_SIZE };
  }

  /** The month's most voted ideas: trending's order over 30 days instead of 7. */
  topOfMonth(guildId: string, limit = 5): Promise<Idea[]> {
    const since = new Date(this.s.clock.now().getTime() - MONTH_MS).toISOString();
    return this.s.ideas.store.list(guildId, { sort: 'trending', trendingSince: since, limit, offset: 0 });
  }

  newestIdeas(guildId: string, limit: number): Promise<Idea[]> {
    return this.s.ideas.lifecycle.list(guildId, { sort: 'new' }, limit, 0);
  }

  async idea(
    guildId: string,
    number: number,
  ): Promise<{ idea: Idea; history: IdeaEvent[]; duplicateOf: number | null } | null> {
    const idea = await this.s.ideas.lifecycle.get(guildId, number);
    if (!idea) return null;
    const original = idea.duplicateOf ? await this.s.ideas.store.getById(idea.duplicateOf) : undefined;
    return {
      idea,
      history: await this.s.ideas.lifecycle.history(idea),
      duplicateOf: original?.number ?? null,
    };
  }

  /** The projects the server watches (one entry per repository or organisation), with the newest release or model. */
  async projects(guildId: string): Promise<Project[]> {
    const out = new Map<string, Project>();
    for (const w of await this.s.tracking.watchesInGuild(guildId)) {
      if (w.kinds === 'issues') continue;
      const key = `${w.source}:${w.targetKey}`;
      const latest = (await this.latest(w, 1))[0] ?? null;
      const known = out.get(key);
      if (known && (known.latest?.publishedAt ?? '') >= (latest?.publishedAt ?? '')) continue;
      out.set(key, {
        source: w.source,
        name: w.target,
        url: w.source === 'github' ? `https://github.com/${w.target}` : `https://huggingface.co/${w.target}`,
        latest,
      });
    }
    return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Releases of the watched repositories, newest first, honouring each watch's pre-release filter. */
  async releases(guildId: string, limit: number): Promise<TrackedEvent[]> {
    const byId = new Map<number, TrackedEvent>();
    for (const w of await this.s.tracking.watchesInGuild(guildId)) {
      if (w.source !== 'github' || w.kinds === 'issues') continue;
      for (const e of await this.latest(w, limit)) byId.set(e.id, e);
    }
    return [...byId.values()]
      .sort((a, b) => b.publishedAt.localeCompare(a.publishedAt) || b.id - a.id)
      .slice(0, limit);
  }

  private async latest(w: Watch, n: number): Promise<TrackedEvent[]> {
    const kind = w.source === 'github' ? 'releases' : 'models';
    // Read a few more than asked, so a pre-release filter still leaves n.
    const events = await this.s.tracking.latestEvents(w.source, w.targetKey, kind, n * 3);
    const kept = events.filter((e) =>
      w.prereleases === 'exclude' ? !e.prerelease : w.prereleases === 'only' ? e.prerelease : true,
    );
    return kept.slice(0, n);
  }

  digests(guildId: string, limit: number, offset = 0): Promise<ArchivedDigest[]> {
    return this.s.archive.list(guildId, limit, offset);
  }

  digest(guildId: string, isoWeek: string): Promise<ArchivedDigest | undefined> {
    return this.s.archive.get(guildId, isoWeek);
  }

  chart(guildId: string, isoWeek: string): Promise<Buffer | undefined> {
    return this.s.archive.chart(guildId, isoWeek);
  }
}
