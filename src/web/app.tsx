// The board as a Hono app: routes, the gate that hides every server whose board is off, caching
// validators, the search rate limit and the error pages. Mounted on the bot's HTTP server.
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import type { Clock } from '../clock.ts';
import type { Idea } from '../ideas/types.ts';
import type { Logger } from '../log.ts';
import type { BoardReader } from './board.ts';
import type { WebBoardStore } from './boards.ts';
import type { Shell } from './components.tsx';
import { digestsFeed, type FeedContext, ideasFeed, releasesFeed } from './feeds.ts';
import {
  type BucketOptions,
  ChangeTimes,
  clientAddress,
  notModified,
  PageCache,
  SECURITY_HEADERS,
  strongEtag,
  TokenBuckets,
} from './http.ts';
import { type BoardPorts, NameCache } from './names.ts';
import { DigestPage, DigestsPage, ErrorPage, HomePage, IdeaPage, IdeasPage } from './pages.tsx';
import { BadRequest, isGuildId, isIsoWeek, parseIdeaListParams, parseIdeaNumber } from './params.ts';
import { FAVICON_PATH, FAVICON_SVG, STYLESHEET, STYLESHEET_PATH } from './style.ts';

export interface BoardDeps {
  /** WEB_BASE_URL; without it every path answers 404. */
  baseUrl: string | undefined;
  boards: WebBoardStore;
  reader: BoardReader;
  ports: BoardPorts;
  /** The idea's Discord discussion, for members. */
  discussionLink: (idea: Idea) => string | null;
  clock: Clock;
  log: Logger;
  /** Searches per client: 10 at once, then one every 2 seconds, unless told otherwise. */
  searchLimit?: BucketOptions;
  /**
   * Changes whenever the database does; pages are rebuilt only then (and each minute). Without
   * it every view is built afresh.
   */
  dataVersion?: () => string | Promise<string>;
}

type Env = { Variables: { shell: Shell } };

const FEED_TYPE = 'application/atom+xml; charset=utf-8';
const HTML = 'text/html; charset=utf-8';
const FEED_ENTRIES = 50;

export function createBoardApp(deps: BoardDeps): Hono<Env> {
  const app = new Hono<Env>();
  const changes = new ChangeTimes(deps.clock);
  const buckets = new TokenBuckets(deps.clock, deps.searchLimit ?? { capacity: 10, refillPerSecond: 0.5 });
  const names = new NameCache({ ports: deps.ports, clock: deps.clock, log: deps.log });
  const { reader } = deps;
  const cache = deps.dataVersion
    ? new PageCache(
        async () => `${await deps.dataVersion!()}@${Math.floor(deps.clock.now().getTime() / 60_000)}`,
      )
    : null;
  /** A 200 page or feed, from the cache while nothing changed. */
  const ok = async (c: Context, type: string, build: () => string | Promise<string>) => {
    const page = cache
      ? await cache.get(c.req.url, async () => ({ body: await build(), type }))
      : { body: await build(), type };
    return send(c, page.body, page.type);
  };
  const doc = (page: Child) => `<!doctype html>${String(page)}`;

  /** Sends a body with validators, or 304 when the client already has it. */
  const send = (c: Context, body: string | Uint8Array, type: string, status = 200) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
    c.header('content-type', type);
    if (status !== 200) return c.body(body as string, status as 400);
    const etag = strongEtag(body);
    const lastModified = changes.stamp(c.req.url, etag);
    c.header('etag', etag);
    c.header('last-modified', lastModified.toUTCString());
    c.header('cache-control', 'public, no-cache');
    const conditional = {
      ifNoneMatch: c.req.header('if-none-match'),
      ifModifiedSince: c.req.header('if-modified-since'),
    };
    if (notModified(conditional, etag, lastModified)) {
      c.header('content-type', undefined);
      return c.body(null, 304);
    }
    return c.body(body as string, 200);
  };
  const html = (c: Context, page: Child, status = 200) =>
    send(c, `<!doctype html>${String(page)}`, HTML, status);
  const errorPage = (c: Context, status: number, title: string, message: string, shell: Shell | null) =>
    html(c, <ErrorPage shell={shell} status={status} title={title} message={message} />, status);
  // One answer for an unknown server, a server whose board is off, and a bot without WEB_BASE_URL:
  // nobody can tell from outside which servers use the bot.
  const hidden = (c: Context) =>
    errorPage(c, 404, 'Not found', 'There is no public board at this address.', null);

  // Content-hashed names: a new build gets a new name, so browsers may keep these for a year.
  const asset = (path: string, body: string, type: string) =>
    app.get(path, (c) => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
      c.header('cache-control', 'public, max-age=31536000, immutable');
      c.header('content-type', type);
      return c.body(body);
    });
  asset(STYLESHEET_PATH, STYLESHEET, 'text/css; charset=utf-8');
  asset(FAVICON_PATH, FAVICON_SVG, 'image/svg+xml');

  const gate = async (c: Context<Env>, next: () => Promise<void>) => {
    const guildId = c.req.param('guildId') ?? '';
    if (!deps.baseUrl || !isGuildId(guildId)) return hidden(c);
    const board = await deps.boards.state(guildId);
    if (board.visibility !== 'public') return hidden(c);
    const guild = deps.ports.guild(guildId);
    if (!guild) return hidden(c);
    c.set('shell', {
      guildId,
      guild,
      section: 'error',
      ...(board.updatedAt ? { boardSince: board.updatedAt } : {}),
    });
    await next();
  };
  app.use('/g/:guildId', gate);
  app.use('/g/:guildId/*', gate);

  const shell = (c: Context<Env>, section: Shell['section']): Shell => ({ ...c.get('shell'), section });
  const feedContext = (c: Context<Env>): FeedContext => {
    const s = c.get('shell');
    return {
      baseUrl: deps.baseUrl!,
      guildId: s.guildId,
      guildName: s.guild.name,
      since: s.boardSince ?? new Date(0).toISOString(),
    };
  };

  app.get('/g/:guildId', async (c) => {
    const s = shell(c, 'home');
    return ok(c, HTML, async () =>
      doc(
        <HomePage
          shell={s}
          projects={await reader.projects(s.guildId)}
          top={await reader.topOfMonth(s.guildId)}
          latestDigest={(await reader.digests(s.guildId, 1))[0]}
        />,
      ),
    );
  });

  app.get('/g/:guildId/ideas', async (c) => {
    const s = shell(c, 'ideas');
    let params: ReturnType<typeof parseIdeaListParams>;
    try {
      params = parseIdeaListParams(c.req.query());
    } catch (error) {
      if (error instanceof BadRequest) return errorPage(c, 400, 'Bad request', error.message, s);
      throw error;
    }
    if (params.q) {
      const ip = clientAddress(socketAddress(c), c.req.header('x-forwarded-for'));
      const taken = buckets.take(ip);
      if (!taken.ok) {
        c.header('retry-after', String(taken.retryAfterSeconds));
        return errorPage(
          c,
          429,
          'Too many searches',
          `Searching is limited per visitor; try again in ${taken.retryAfterSeconds} seconds. Lists without a search are not limited.`,
          s,
        );
      }
    }
    try {
      return await ok(c, HTML, async () => {
        const { ideas, hasNext } = await reader.ideas(s.guildId, params);
        return doc(<IdeasPage shell={s} params={params} ideas={ideas} hasNext={hasNext} />);
      });
    } catch (error) {
      if (error instanceof BadRequest) return errorPage(c, 400, 'Bad request', error.message, s);
      throw error;
    }
  });

  app.get('/g/:guildId/ideas.atom', (c) => {
    const s = c.get('shell');
    return ok(c, FEED_TYPE, async () =>
      ideasFeed(feedContext(c), await reader.newestIdeas(s.guildId, FEED_ENTRIES)),
    );
  });
  app.get('/g/:guildId/releases.atom', (c) => {
    const s = c.get('shell');
    return ok(c, FEED_TYPE, async () =>
      releasesFeed(feedContext(c), await reader.releases(s.guildId, FEED_ENTRIES)),
    );
  });
  app.get('/g/:guildId/digests.atom', (c) => {
    const s = c.get('shell');
    return ok(c, FEED_TYPE, async () =>
      digestsFeed(feedContext(c), await reader.digests(s.guildId, FEED_ENTRIES)),
    );
  });

  app.get('/g/:guildId/ideas/:number', async (c) => {
    const s = shell(c, 'ideas');
    const number = parseIdeaNumber(c.req.param('number'));
    if (number === null)
      return errorPage(c, 400, 'Bad request', 'An idea number is a whole number such as 12.', s);
    const found = await reader.idea(s.guildId, number);
    if (!found) return errorPage(c, 404, 'Not found', `There is no idea #${number} on this board.`, s);
    const actors = found.history
      .map((e) => e.actorId)
      .filter((id) => id !== 'github' && id !== found.idea.authorId);
    const known = actors.length > 0 ? await names.lookup(s.guildId, actors) : new Map<string, string>();
    return html(
      c,
      <IdeaPage
        shell={s}
        idea={found.idea}
        history={found.history}
        duplicateOf={found.duplicateOf}
        names={known}
        discussion={deps.discussionLink(found.idea)}
      />,
    );
  });

  app.get('/g/:guildId/digests', (c) => {
    const s = shell(c, 'digests');
    return ok(c, HTML, async () =>
      doc(<DigestsPage shell={s} digests={await reader.digests(s.guildId, 520)} />),
    );
  });

  app.get('/g/:guildId/digests/:week', async (c) => {
    const s = shell(c, 'digests');
    const week = c.req.param('week');
    if (!isIsoWeek(week))
      return errorPage(c, 400, 'Bad request', 'A week is written like 2026-W14 (ISO week).', s);
    const archived = await reader.digest(s.guildId, week);
    if (!archived) return errorPage(c, 404, 'Not found', `No digest was posted for ${week}.`, s);
    return html(c, <DigestPage shell={s} archived={archived} />);
  });

  app.get('/g/:guildId/digests/:week/chart.png', async (c) => {
    const s = shell(c, 'digests');
    const week = c.req.param('week');
    const png = isIsoWeek(week) ? await reader.chart(s.guildId, week) : undefined;
    if (!png) return errorPage(c, 404, 'Not found', 'This digest has no chart.', s);
    return send(c, new Uint8Array(png), 'image/png');
  });

  app.get('/g/:guildId/*', (c) =>
    errorPage(c, 404, 'Not found', 'This board has no such page.', shell(c, 'error')),
  );

  // Read-only: anything but GET and HEAD is refused (after the gate, so a hidden board stays a 404).
  app.on(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], ['/g/:guildId', '/g/:guildId/*'], (c) => {
    c.header('allow', 'GET, HEAD');
    return errorPage(c, 405, 'Read-only', 'This board can only be read.', shell(c, 'error'));
  });

  app.onError((error, c) => {
    deps.log.error({ err: error, path: c.req.path }, 'Web board page failed');
    return errorPage(
      c,
      500,
      'Something went wrong',
      'This page could not be built just now; try again later.',
      null,
    );
  });
  return app;
}

function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // Not served by @hono/node-server (app.request in a test): no socket to read.
    return undefined;
  }
}
