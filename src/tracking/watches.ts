// Adding, listing and removing watches: the rules behind /watch.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { UserError } from '../errors.ts';
import { type GitHubLike, headersOf, statusOf } from '../github/client.ts';
import type { Logger } from '../log.ts';
import { validateRepo } from '../settings/validate.ts';
import { findRepository } from './github-source.ts';
import type { HubSource } from './hf-source.ts';
import type { Preset } from './presets.ts';
import {
  type Kind,
  kindsOf,
  type PrereleaseFilter,
  type Source,
  type SourceState,
  type TrackingStore,
  type Watch,
} from './store.ts';
import { type Tracker, watchWants } from './tracker.ts';

export interface AddWatchInput {
  guildId: string;
  channelId: string;
  userId: string;
  source: Source;
  target: string;
  /** GitHub only; default releases. */
  kinds?: 'releases' | 'issues' | 'both' | null;
  /** GitHub releases only; default include. */
  prereleases?: PrereleaseFilter | null;
  /** GitHub issues only: comma-separated; an issue with any of them is posted. */
  labels?: string | null;
  /** Post the latest N (at most 10) right away instead of starting silently. */
  backfill?: number | null;
  preset?: string | null;
  /** A private repository: refuse it (presets) instead of asking for a confirmation. */
  refusePrivate?: boolean;
}

/** Added, or a private repository waiting for its curator's confirmation (see confirmPrivate). */
export type AddWatchResult =
  | { kind: 'added'; watch: Watch; backfilled: number }
  | { kind: 'confirm-private'; token: string; target: string; channelId: string; kinds: Watch['kinds'] };

/** How long a private-repository confirmation stays good (an ephemeral answer's useful life). */
export const CONFIRM_PRIVATE_MS = 15 * 60_000;
const TOKEN = /^[0-9a-f]{16}$/;

export interface WatchListing extends Watch {
  lastSuccessAt: string | null;
  sourceError: string | null;
}

export const MAX_BACKFILL = 10;
/** Keeps one server from spending the bot's whole GitHub budget. */
export const MAX_WATCHES_PER_SERVER = 200;
const HF_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;

export class WatchService {
  constructor(
    private readonly o: {
      store: TrackingStore;
      tracker: Tracker;
      github: GitHubLike;
      hubSource: HubSource;
      clock: Clock;
      log: Logger;
      presets: () => Preset[];
    },
  ) {}

  presets(): Preset[] {
    return this.o.presets();
  }

  /** Adds a watch; a private repository is only added once its curator confirms (confirmPrivate). */
  async add(input: AddWatchInput): Promise<AddWatchResult> {
    return this.addChecked(input, null);
  }

  /**
   * The curator's "Watch it anyway" or "Cancel" for a private repository: takes the request they
   * made (once: a double click gets null the second time). Null too when the token is unknown,
   * expired, or someone else's.
   */
  async claimPrivate(guildId: string, userId: string, token: string): Promise<AddWatchInput | null> {
    if (!TOKEN.test(token)) return null;
    const notBefore = new Date(this.o.clock.now().getTime() - CONFIRM_PRIVATE_MS).toISOString();
    const row = await this.o.store.takeConfirmation(token, guildId, userId, notBefore);
    return row ? (JSON.parse(row.request) as AddWatchInput) : null;
  }

  /** Adds a claimed request with the curator's confirmation recorded on the watch. */
  addConfirmed(input: AddWatchInput, userId: string): Promise<AddWatchResult> {
    return this.addChecked(input, userId);
  }

  private async addChecked(input: AddWatchInput, confirmedBy: string | null): Promise<AddWatchResult> {
    const { store, clock } = this.o;
    const source = input.source;
    let target: string;
    let kinds: Watch['kinds'];
    let prereleases: PrereleaseFilter = 'include';
    let labels: string[] = [];
    if (source === 'github') {
      target = validateRepo(input.target);
      kinds = input.kinds ?? 'releases';
      if (input.prereleases) {
        if (kinds === 'issues')
          throw new UserError('prereleases applies to releases; this watch follows issues only.');
        prereleases = input.prereleases;
      }
      if (input.labels?.trim()) {
        if (kinds === 'releases')
          throw new UserError('labels applies to issues; add kinds:issues or kinds:both.');
        labels = [
          ...new Set(
            input.labels
              .split(',')
              .map((l) => l.trim().toLowerCase())
              .filter(Boolean),
          ),
        ];
        if (labels.length > 10 || labels.some((l) => l.length > 50))
          throw new UserError('Give at most 10 labels of at most 50 characters, separated by commas.');
      }
    } else {
      if (input.kinds || input.prereleases || input.labels?.trim())
        throw new UserError(
          'kinds, prereleases and labels apply to GitHub watches; a Hugging Face watch posts new models.',
        );
      target = input.target
        .trim()
        .replace(/^https?:\/\/(www\.)?huggingface\.co\//i, '')
        .replace(/\/+$/, '');
      if (!HF_NAME.test(target))
        throw new UserError(
          `"${target.slice(0, 60)}" is not a Hugging Face organisation name. Use the name in its URL, e.g. ibm-granite or meta-llama.`,
        );
      kinds = 'models';
    }
    const backfill = Math.max(0, Math.min(MAX_BACKFILL, input.backfill ?? 0));

    if ((await store.countWatches(input.guildId)) >= MAX_WATCHES_PER_SERVER)
      throw new UserError(
        `This server already has ${MAX_WATCHES_PER_SERVER} watches, the most one server may have. Remove some with /watch remove first.`,
      );
    const wanted = kindsOf(kinds);
    const refuseClash = async (key: string) => {
      const clash = (await store.watchesInChannel(input.channelId, source, key)).find((w) =>
        kindsOf(w.kinds).some((k) => wanted.includes(k)),
      );
      if (clash)
        throw new UserError(
          `<#${input.channelId}> already follows ${clash.target} (${clash.kinds}) with watch #${clash.id}. Remove it first with /watch remove ${clash.id} to change its options.`,
        );
    };
    await refuseClash(target.toLowerCase());

    const { name: canonical, isPrivate } = await this.checkTarget(source, target);
    // A renamed repository answers under its old name too: check again under the name GitHub gave.
    await refuseClash(canonical.toLowerCase());
    const now = clock.now().toISOString();
    if (isPrivate && input.refusePrivate)
      throw new UserError(
        'a private repository: add it on its own with /watch add, which asks you to confirm that its posts may go to this channel.',
      );
    if (isPrivate && !confirmedBy) {
      // The token the button carries; the request waits in the database, so a restart keeps it.
      const token = randomBytes(8).toString('hex');
      await store.dropConfirmationsBefore(new Date(clock.now().getTime() - CONFIRM_PRIVATE_MS).toISOString());
      await store.insertConfirmation({
        token,
        guildId: input.guildId,
        userId: input.userId,
        target: canonical,
        request: JSON.stringify(input),
        createdAt: now,
      });
      return { kind: 'confirm-private', token, target: canonical, channelId: input.channelId, kinds };
    }
    const watch = await store.insertWatch({
      guildId: input.guildId,
      channelId: input.channelId,
      source,
      target: canonical,
      targetKey: canonical.toLowerCase(),
      kinds,
      prereleases,
      labels,
      preset: input.preset ?? null,
      createdAt: now,
      createdBy: input.userId,
      ...(isPrivate ? { privateConfirmedBy: confirmedBy, privateConfirmedAt: now } : {}),
    });
    for (const kind of wanted) await store.ensureSource(source, watch.targetKey, kind, canonical, now);
    this.o.log.info(
      {
        watchId: watch.id,
        guildId: watch.guildId,
        channelId: watch.channelId,
        source,
        target: canonical,
        kinds,
        ...(isPrivate ? { privateConfirmedBy: confirmedBy } : {}),
      },
      isPrivate ? 'Watch of a private repository added, as its curator confirmed' : 'Watch added',
    );
    await this.takeBaselines(watch, wanted);
    const backfilled = backfill > 0 ? await this.backfill(watch, wanted, backfill) : 0;
    return { kind: 'added', watch, backfilled };
  }

  /** Adds the watches of a preset; targets the channel already follows are reported, not an error. */
  async addPreset(input: {
    guildId: string;
    channelId: string;
    userId: string;
    name: string;
  }): Promise<{ preset: Preset; added: Watch[]; skipped: string[] }> {
    const preset = this.presets().find((p) => p.name === input.name.trim().toLowerCase());
    if (!preset)
      throw new UserError(
        `There is no preset "${input.name.slice(0, 40)}". Presets: ${
          this.presets()
            .map((p) => p.name)
            .join(', ') || 'none'
        }.`,
      );
    const added: Watch[] = [];
    const skipped: string[] = [];
    const targets: Array<{ source: Source; target: string }> = [
      ...(preset.huggingface ? [{ source: 'huggingface' as const, target: preset.huggingface }] : []),
      ...preset.github.map((target) => ({ source: 'github' as const, target })),
    ];
    for (const t of targets) {
      try {
        const result = await this.add({
          ...input,
          ...t,
          kinds: t.source === 'github' ? preset.kinds : null,
          preset: preset.name,
          refusePrivate: true,
        });
        if (result.kind === 'added') added.push(result.watch);
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        skipped.push(`${t.target}: ${error.message}`);
      }
    }
    return { preset, added, skipped };
  }

  async list(guildId: string): Promise<WatchListing[]> {
    const listing: WatchListing[] = [];
    for (const w of await this.o.store.watchesInGuild(guildId)) {
      const states: SourceState[] = [];
      for (const k of kindsOf(w.kinds)) {
        const state = await this.o.store.source(w.source, w.targetKey, k);
        if (state) states.push(state);
      }
      const successes = states.map((s) => s.lastSuccessAt).filter((s): s is string => !!s);
      listing.push({
        ...w,
        lastSuccessAt: successes.length === states.length && successes.length ? successes.sort()[0]! : null,
        sourceError: states.find((s) => s.lastError)?.lastError ?? null,
      });
    }
    return listing;
  }

  async remove(guildId: string, id: number, userId: string): Promise<Watch> {
    const watch = await this.o.store.watch(id);
    if (!watch || watch.guildId !== guildId)
      throw new UserError(`There is no watch #${id} in this server. /watch list shows its watches.`);
    await this.o.store.deleteWatch(id);
    this.o.log.info({ watchId: id, guildId, userId, target: watch.target }, 'Watch removed');
    return watch;
  }

  private async checkTarget(source: Source, target: string): Promise<{ name: string; isPrivate: boolean }> {
    try {
      if (source === 'github') {
        const found = await findRepository(this.o.github, target);
        if (!found)
          throw new UserError(
            `GitHub has no repository ${target} (or it is private). Check the spelling, as owner/name, e.g. ibm-granite/granite-guardian.`,
          );
        return { name: found.fullName, isPrivate: found.private };
      }
      const found = await this.o.hubSource.findOwner(target);
      if (!found)
        throw new UserError(
          `Hugging Face has no organisation or user named ${target}. Use the name in its URL, e.g. ibm-granite for huggingface.co/ibm-granite.`,
        );
      return { name: found, isPrivate: false };
    } catch (error) {
      if (error instanceof UserError) throw error;
      const status = statusOf(error);
      const remaining = headersOf(error)['x-ratelimit-remaining'];
      if ((status === 403 || status === 429) && remaining === '0') {
        const reset = Number(headersOf(error)['x-ratelimit-reset']);
        throw new UserError(
          `GitHub's rate limit for this bot is spent until <t:${reset}:t>; nothing was added. Try again after that.`,
        );
      }
      this.o.log.warn({ err: error, source, target }, 'Could not check a watch target');
      throw new UserError(
        `${source === 'github' ? 'GitHub' : 'Hugging Face'} did not answer properly just now, so nothing was added. Try again in a minute.`,
      );
    }
  }

  /** A new source's first poll happens now, so the first scheduled poll already has something to compare with. */
  private async takeBaselines(watch: Watch, kinds: Kind[]): Promise<void> {
    for (const kind of kinds) {
      const state = await this.o.store.source(watch.source, watch.targetKey, kind);
      if (state && !state.baselineAt) await this.o.tracker.pollSource(state);
    }
  }

  private async backfill(watch: Watch, kinds: Kind[], n: number): Promise<number> {
    const at = this.o.clock.now().toISOString();
    let count = 0;
    for (const kind of kinds) {
      const events = (await this.o.tracker.latest(watch.source, watch.targetKey, kind, 100))
        .filter((e) => watchWants(watch, e, kind))
        .slice(0, n);
      for (const e of events) if (await this.o.store.createDelivery(e.id, watch, at)) count++;
    }
    if (count > 0) await this.o.tracker.deliverPending();
    return count;
  }
}
