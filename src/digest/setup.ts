// Wires the weekly digest into the hub: service, minute job with start-up catch-up, status line.
import { discordTime } from '../discord/format.ts';
import type { HubCore } from '../hub.ts';
import { DigestArchive } from '../web/archive.ts';
import { DigestService } from './service.ts';
import { DigestStore } from './store.ts';
import type { UserLookup } from './users.ts';

export interface DigestFeature {
  service: DigestService;
  store: DigestStore;
}

export function setupDigest(
  core: HubCore,
  options: { lookupUser?: UserLookup; schedule: boolean },
): DigestFeature {
  const store = new DigestStore(core.kdb, core.clock);
  const service = new DigestService({
    db: core.kdb,
    clock: core.clock,
    log: core.log.child({ feature: 'digest' }),
    poster: core.poster,
    store,
    archive: new DigestArchive(core.kdb),
    ...(options.lookupUser ? { lookupUser: options.lookupUser } : {}),
  });

  core.status.add(async (guildId) => {
    if (!guildId) return [];
    const schedule = await store.schedule(guildId);
    if (!schedule.channelId) return [{ name: 'Weekly digest', value: 'off (no digest channel)' }];
    const last = await store.lastPosted(guildId);
    return [
      {
        name: 'Weekly digest',
        value: `next ${discordTime(await service.nextPostAt(schedule), 'f')} in <#${schedule.channelId}>; last ${last ? last.isoWeek : 'none yet'}`,
      },
    ];
  });

  if (options.schedule) {
    // Every minute, in UTC: each server's own local slot is computed from its time zone, which
    // also covers zones with half-hour offsets and the catch-up at start-up.
    const job = { name: 'weekly-digest', run: () => service.postDueDigests() };
    core.scheduler.schedule('* * * * *', job);
    void core.scheduler.runNow(job);
  }
  return { service, store };
}
