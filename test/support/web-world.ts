// The world of the web board tests: the real bot (startTestHub) with WEB_BASE_URL, its board app
// served by @hono/node-server on 127.0.0.1, and helpers that seed ideas, releases and digests
// through the bot's own services.
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { serve } from '@hono/node-server';
import type { IdeaDraftInput } from '../../src/ideas/types.ts';
import type { BucketOptions } from '../../src/web/http.ts';
import type { BoardPorts } from '../../src/web/names.ts';
import { setupWeb, type WebFeature } from '../../src/web/setup.ts';
import { startTestHub, type TestHub } from './harness.ts';

export const BASE_URL = 'https://hub.example.org';

export interface WebWorld {
  t: TestHub;
  web: WebFeature;
  /** http://127.0.0.1:<port> */
  origin: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  text(path: string): Promise<string>;
  /** /hub config web:<value> as the curator; resolves with the reply's text. */
  setWeb(value: 'public' | 'off', userId?: string): Promise<string>;
  /** An idea by the plain member, saved without the similar-ideas step; returns its number. */
  idea(input: Partial<IdeaDraftInput> & { title: string }): Promise<number>;
  stop(): Promise<void>;
}

export async function startWebWorld(
  o: { env?: Record<string, string>; searchLimit?: BucketOptions } = {},
): Promise<WebWorld> {
  const t = await startTestHub({ env: { WEB_BASE_URL: BASE_URL, IDEAS_PER_HOUR: '100', ...o.env } });
  let server: ReturnType<typeof serve> | undefined;
  try {
    const ports: BoardPorts = {
      guild: (id) => (id === t.guildId ? { name: 'Open Models', iconUrl: null } : null),
      displayNames: async (_guildId, ids) =>
        new Map(ids.filter((id) => id === t.curatorId).map((id) => [id, 'Cora Curator'])),
    };
    const web = setupWeb(t.hub, t.hub, ports, o.searchLimit ? { searchLimit: o.searchLimit } : {});
    const port = await new Promise<number>((resolve) => {
      server = serve({ fetch: web.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
        resolve(info.port),
      );
    });
    const origin = `http://127.0.0.1:${port}`;
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${origin}${path}`, { headers });
    return {
      t,
      web,
      origin,
      get,
      text: async (path) => (await get(path)).text(),
      async setWeb(value, userId = t.curatorId) {
        const reply = await t.discord
          .command({
            guildId: t.guildId,
            channelId: t.channelId,
            userId,
            name: 'hub',
            subcommand: 'config',
            options: { web: value },
          })
          .reply();
        return JSON.stringify(reply);
      },
      async idea(input) {
        const idea = await t.hub.ideas.store.insertIdea(
          t.guildId,
          t.memberId,
          'Mo Member',
          {
            problem: 'The problem.',
            proposal: 'The proposal.',
            evidence: '',
            family: 'granite',
            ...input,
          },
          t.clock.now().toISOString(),
        );
        return idea.number;
      },
      async stop() {
        const s = server;
        if (s)
          await new Promise<void>((resolve) => {
            (s as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            s.close(() => resolve());
          });
        await t.stop();
        rmSync(dirname(t.dbPath), { recursive: true, force: true });
      },
    };
  } catch (error) {
    await t.stop();
    throw error;
  }
}

export const HOSTILE = {
  title: '<img src=x onerror="window.__pwned=1;alert(1)">',
  attr: '"><img src=x onerror="window.__pwned=2;alert(2)">',
  rtl: 'Evil \u202Egnp.exe\u202C title',
};

/**
 * A board with something on every page: ideas (hostile ones included) with votes and decisions, a
 * watched repository with releases, and one posted weekly digest (2026-W47) with its chart.
 */
export async function seedBoard(w: WebWorld): Promise<{ hostile: number; long: number; week: string }> {
  const { t } = w;
  const g = t.guildId;
  await w.setWeb('public');
  t.clock.set('2026-11-18T10:00:00Z');
  const hostile = await w.idea({
    title: HOSTILE.title,
    problem: `<script>window.__pwned=3</script> ${HOSTILE.attr}`,
    proposal: '[click me](javascript:window.__pwned=4) and [a paper](https://arxiv.org/abs/2310.06825)',
    evidence: `> quoted\n\n\`\`\`\n${'x'.repeat(400)}\n\`\`\``,
  });
  const long = await w.idea({
    title: HOSTILE.rtl,
    problem: 'تحسين الانتباه للسياقات الطويلة',
    proposal: 'A'.repeat(10_000),
    family: 'llama',
  });
  const titles = ['Grouped query attention', 'Speculative decoding heads', 'KV cache quantisation'];
  const plain: number[] = [];
  for (const title of titles) plain.push(await w.idea({ title }));
  await t.hub.ideas.lifecycle.vote(g, hostile, t.memberId, 1);
  await t.hub.ideas.lifecycle.vote(g, plain[0]!, t.memberId, 1);
  await t.hub.ideas.lifecycle.vote(g, plain[0]!, t.curatorId, 1);
  await t.hub.ideas.lifecycle.vote(g, plain[1]!, t.memberId, -1);
  await t.hub.ideas.lifecycle.changeStatus(
    g,
    hostile,
    t.curatorId,
    'rejected',
    `Not this way ${HOSTILE.attr}`,
  );
  await t.hub.ideas.lifecycle.changeStatus(g, plain[0]!, t.curatorId, 'accepted', 'Measured and clear.');
  const { store } = t.hub.tracking;
  const target = 'ibm-granite/granite-4.0';
  await store.insertWatch({
    guildId: g,
    channelId: t.channelId,
    source: 'github',
    target,
    targetKey: target,
    kinds: 'releases',
    prereleases: 'include',
    labels: [],
    preset: null,
    createdAt: '2026-11-01T00:00:00.000Z',
    createdBy: t.curatorId,
  });
  for (const [tag, at] of [
    ['v4.0.0', '2026-11-17T12:00:00Z'],
    ['v4.0.1', '2026-11-19T12:00:00Z'],
  ] as const)
    await store.insertEvent(
      { source: 'github', targetKey: target, kind: 'releases', target },
      {
        externalId: tag,
        title: tag,
        url: `https://github.com/${target}/releases/tag/${tag}`,
        author: 'granite-maintainer',
        body: `Notes <script>window.__pwned=5</script> ${HOSTILE.attr}`,
        prerelease: false,
        labels: [],
        details: {},
        publishedAt: at,
      },
      at,
      false,
    );
  await t.hub.ideas.settled();
  const digestChannelId = t.discord.addChannel(g, { name: 'digest' });
  await t.hub.settings.update(g, { digestChannelId }, t.curatorId);
  t.clock.set('2026-11-23T09:00:30Z');
  await t.hub.digest.service.postDueDigests();
  return { hostile, long, week: '2026-W47' };
}
