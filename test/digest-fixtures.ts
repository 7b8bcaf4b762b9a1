// Rows for digest tests and the digest benchmark, written straight into the tables the digest
// reads, the way the tracking, try and ideas features write them.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Clock } from '../src/clock.ts';
import { sqliteKysely } from '../src/db/engine.ts';
import { MIGRATIONS_DIR, migrate } from '../src/db/migrate.ts';
import { type Db, openDatabase } from '../src/db/open.ts';
import type { DB, IdeaStatusValue } from '../src/db/schema.ts';
import { buildWeeklyDigest, type DigestGuild } from '../src/digest/build.ts';
import type { Digest } from '../src/digest/types.ts';
import type { Week } from '../src/digest/week.ts';
import { tempDir } from './support/temp.ts';

/**
 * A migrated SQLite file in a temp dir (removed after the test file, see test/support/temp.ts);
 * `only` limits it to migrations whose names contain one of the words.
 */
export function openDigestDb(only?: string[]): Db {
  const dir = tempDir('omh-digest-');
  let migrations = MIGRATIONS_DIR;
  if (only) {
    migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    for (const f of readdirSync(MIGRATIONS_DIR))
      if (only.some((o) => f.includes(o))) copyFileSync(join(MIGRATIONS_DIR, f), join(migrations, f));
  }
  const db = openDatabase(join(dir, 'hub.sqlite'));
  migrate(db, migrations, () => new Date('2026-01-01T00:00:00Z'));
  return db;
}

/** buildWeeklyDigest over a better-sqlite3 file the fixtures wrote (Kysely over the same connection). */
export function buildDigestOf(db: Db, clock: Clock, guild: DigestGuild, week?: Week): Promise<Digest> {
  return buildWeeklyDigest(sqliteKysely(db), clock, guild, week);
}

export class DigestFixtures {
  private ideaNumber = 0;
  constructor(
    readonly db: Db,
    readonly guildId: string,
  ) {}

  settings(o: {
    channelId?: string;
    timeZone?: string;
    weekday?: number;
    hour?: number;
    quiet?: 'post' | 'skip';
  }) {
    this.db
      .prepare('INSERT OR IGNORE INTO guild_settings (guild_id, updated_at) VALUES (?, ?)')
      .run(this.guildId, '2026-01-01T00:00:00.000Z');
    this.db
      .prepare(
        `UPDATE guild_settings SET digest_channel_id = COALESCE(?, digest_channel_id), time_zone = COALESCE(?, time_zone),
         digest_weekday = COALESCE(?, digest_weekday), digest_hour = COALESCE(?, digest_hour),
         digest_quiet_weeks = COALESCE(?, digest_quiet_weeks) WHERE guild_id = ?`,
      )
      .run(
        o.channelId ?? null,
        o.timeZone ?? null,
        o.weekday ?? null,
        o.hour ?? null,
        o.quiet ?? null,
        this.guildId,
      );
  }

  watch(
    target: string,
    o: { source?: 'github' | 'huggingface'; kinds?: string; prereleases?: string; guildId?: string } = {},
  ): number {
    const source = o.source ?? 'github';
    return Number(
      this.db
        .prepare(
          `INSERT INTO watches (guild_id, channel_id, source, target, target_key, kinds, prereleases, created_at)
           VALUES (?, '900', ?, ?, ?, ?, ?, '2026-01-01T00:00:00.000Z')`,
        )
        .run(
          o.guildId ?? this.guildId,
          source,
          target,
          target.toLowerCase(),
          o.kinds ?? (source === 'github' ? 'both' : 'models'),
          o.prereleases ?? 'include',
        ).lastInsertRowid,
    );
  }

  event(o: {
    kind: 'releases' | 'issues' | 'models';
    target: string;
    id: string;
    at: string;
    title?: string;
    author?: string;
    prerelease?: boolean;
  }): void {
    const source = o.kind === 'models' ? 'huggingface' : 'github';
    const url =
      source === 'github'
        ? `https://github.com/${o.target}/${o.kind === 'releases' ? `releases/tag/${o.id}` : `issues/${o.id}`}`
        : `https://huggingface.co/${o.id}`;
    this.db
      .prepare(
        `INSERT INTO events (source, target_key, kind, external_id, target, title, url, author, prerelease,
           published_at, first_seen_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        source,
        o.target.toLowerCase(),
        o.kind,
        o.id,
        o.target,
        o.title ?? o.id,
        url,
        o.author ?? 'someone',
        o.prerelease ? 1 : 0,
        o.at,
        o.at,
        o.at,
      );
  }

  idea(o: {
    authorId: string;
    authorName?: string;
    title: string;
    at: string;
    status?: string;
    issueUrl?: string;
  }): { id: number; number: number } {
    const number = ++this.ideaNumber;
    const id = Number(
      this.db
        .prepare(
          `INSERT INTO ideas (guild_id, number, author_id, author_name, title, problem, proposal, status, issue_url,
             channel_id, message_id, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'p', 'q', ?, ?, '800', ?, ?, ?)`,
        )
        .run(
          this.guildId,
          number,
          o.authorId,
          o.authorName ?? `user ${o.authorId}`,
          o.title,
          o.status ?? 'new',
          o.issueUrl ?? null,
          String(700 + number),
          o.at,
          o.at,
        ).lastInsertRowid,
    );
    return { id, number };
  }

  vote(ideaId: number, userId: string, value: 1 | -1, at: string): void {
    this.db
      .prepare('INSERT INTO idea_votes (idea_id, user_id, value, voted_at) VALUES (?, ?, ?, ?)')
      .run(ideaId, userId, value, at);
  }

  /** Moves an idea to `status` with its audit-trail row, as the ideas service does. */
  decide(ideaId: number, status: string, at: string, actorId = 'curator'): void {
    const from = this.db.prepare('SELECT status FROM ideas WHERE id = ?').pluck().get(ideaId) as string;
    this.db.prepare('UPDATE ideas SET status = ?, updated_at = ? WHERE id = ?').run(status, at, ideaId);
    this.db
      .prepare(
        `INSERT INTO idea_events (idea_id, actor_id, action, from_status, to_status, reason, at)
         VALUES (?, ?, 'status', ?, ?, 'because', ?)`,
      )
      .run(ideaId, actorId, from, status, at);
  }

  run(o: { userId: string; model: string; at: string; outcome?: string }): void {
    this.db
      .prepare(
        `INSERT INTO model_runs (guild_id, channel_id, user_id, model, provider, kind, outcome, started_at)
         VALUES (?, '600', ?, ?, 'hf', 'try', ?, ?)`,
      )
      .run(this.guildId, o.userId, o.model, o.outcome ?? 'ok', o.at);
  }

  user(userId: string, o: { bot: boolean; name?: string }): void {
    this.db
      .prepare('INSERT OR REPLACE INTO discord_users (user_id, is_bot, name, checked_at) VALUES (?, ?, ?, ?)')
      .run(userId, o.bot ? 1 : 0, o.name ?? null, '2026-01-01T00:00:00.000Z');
  }
}

/** The rows DigestFixtures writes, through Kysely, so the same data goes into either engine. */
export class DigestRows {
  private ideaNumber = 0;
  constructor(
    readonly db: Kysely<DB>,
    readonly guildId: string,
  ) {}

  async watch(
    target: string,
    o: {
      source?: 'github' | 'huggingface';
      kinds?: 'releases' | 'issues' | 'both' | 'models';
      prereleases?: 'include' | 'exclude' | 'only';
      guildId?: string;
    } = {},
  ): Promise<number> {
    const source = o.source ?? 'github';
    const row = await this.db
      .insertInto('watches')
      .values({
        guild_id: o.guildId ?? this.guildId,
        channel_id: '900',
        source,
        target,
        target_key: target.toLowerCase(),
        kinds: o.kinds ?? (source === 'github' ? 'both' : 'models'),
        prereleases: o.prereleases ?? 'include',
        created_at: '2026-01-01T00:00:00.000Z',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async event(o: {
    kind: 'releases' | 'issues' | 'models';
    target: string;
    id: string;
    at: string;
    title?: string;
    author?: string;
    prerelease?: boolean;
    closedAt?: string;
  }): Promise<void> {
    const source = o.kind === 'models' ? 'huggingface' : 'github';
    const url =
      source === 'github'
        ? `https://github.com/${o.target}/${o.kind === 'releases' ? `releases/tag/${o.id}` : `issues/${o.id}`}`
        : `https://huggingface.co/${o.id}`;
    await this.db
      .insertInto('events')
      .values({
        source,
        target_key: o.target.toLowerCase(),
        kind: o.kind,
        external_id: o.id,
        target: o.target,
        title: o.title ?? o.id,
        url,
        author: o.author ?? 'someone',
        prerelease: o.prerelease ? 1 : 0,
        published_at: o.at,
        first_seen_at: o.at,
        updated_at: o.at,
        ...(o.closedAt ? { state: 'closed' as const, closed_at: o.closedAt } : {}),
      })
      // Events are the same for every server (they belong to a source): seeding a second server is a no-op.
      .onConflict((oc) => oc.columns(['source', 'target_key', 'kind', 'external_id']).doNothing())
      .execute();
  }

  async idea(o: { authorId: string; authorName?: string; title: string; at: string }): Promise<number> {
    const number = ++this.ideaNumber;
    const row = await this.db
      .insertInto('ideas')
      .values({
        guild_id: this.guildId,
        number,
        author_id: o.authorId,
        author_name: o.authorName ?? `user ${o.authorId}`,
        title: o.title,
        problem: 'p',
        proposal: 'q',
        channel_id: '800',
        message_id: String(700 + number),
        created_at: o.at,
        updated_at: o.at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async vote(ideaId: number, userId: string, value: 1 | -1, at: string): Promise<void> {
    await this.db
      .insertInto('idea_votes')
      .values({ idea_id: ideaId, user_id: userId, value, voted_at: at })
      .execute();
  }

  async decide(ideaId: number, status: IdeaStatusValue, at: string): Promise<void> {
    const { status: from } = await this.db
      .selectFrom('ideas')
      .select('status')
      .where('id', '=', ideaId)
      .executeTakeFirstOrThrow();
    await this.db.updateTable('ideas').set({ status, updated_at: at }).where('id', '=', ideaId).execute();
    await this.db
      .insertInto('idea_events')
      .values({
        idea_id: ideaId,
        actor_id: 'curator',
        action: 'status',
        from_status: from,
        to_status: status,
        at,
      })
      .execute();
  }

  async run(o: { userId: string; model: string; at: string; outcome?: string }): Promise<void> {
    await this.db
      .insertInto('model_runs')
      .values({
        guild_id: this.guildId,
        channel_id: '600',
        user_id: o.userId,
        model: o.model,
        provider: 'hf',
        kind: 'try',
        outcome: o.outcome ?? 'ok',
        started_at: o.at,
      })
      .execute();
  }

  async user(userId: string, o: { bot: boolean; name?: string }): Promise<void> {
    const row = {
      is_bot: o.bot ? (1 as const) : (0 as const),
      name: o.name ?? null,
      checked_at: '2026-01-01T00:00:00.000Z',
    };
    await this.db
      .insertInto('discord_users')
      .values({ user_id: userId, ...row })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(row))
      .execute();
  }
}
