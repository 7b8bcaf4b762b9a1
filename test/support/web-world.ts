// The world of the web board tests: the real bot (startTestHub) with WEB_BASE_URL, its board app
// served by @hono/node-server on 127.0.0.1, and helpers that seed ideas, releases and digests
// through the bot's own services.
import type { AddressInfo } from 'node:net';
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
        const idea = t.hub.ideas.store.insertIdea(
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
      },
    };
  } catch (error) {
    await t.stop();
    throw error;
  }
}
