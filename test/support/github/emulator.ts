// A local GitHub REST API that behaves like GitHub where the bot depends on it: strong ETags and
// free 304s, x-ratelimit-* headers on every answer, primary and secondary rate limits, Link
// pagination, pull requests inside the issues list, 404 for unknown repositories.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHubUser {
  login: string;
  id: number;
  type: 'User' | 'Bot' | 'Organization';
  html_url: string;
  avatar_url: string;
}

export interface Release {
  id: number;
  tag_name: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  created_at: string;
  published_at: string | null;
  html_url: string;
  url: string;
  target_commitish: string;
  author: GitHubUser;
}

export interface Label {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface Issue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: 'completed' | 'not_planned' | 'reopened' | null;
  labels: Label[];
  user: GitHubUser;
  html_url: string;
  url: string;
  comments: number;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  pull_request?: { url: string; html_url: string; merged_at: string | null };
}

interface Repo {
  id: number;
  fullName: string;
  private: boolean;
  /** A private repository the emulator's token has no access to (GitHub answers 404 then too). */
  hiddenFromToken?: boolean;
  releases: Release[];
  issues: Issue[];
  labels: Label[];
  createdAt: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  charged: boolean;
  ifNoneMatch?: string;
  authorization?: string;
  body?: unknown;
}

export type Fault =
  | { status: 500 | 502 | 503 }
  /** A secondary rate limit: 403 (or 429) with retry-after, message naming "secondary rate limit". */
  | { status: 403 | 429; secondary: true; retryAfter?: number }
  | { status: number; body?: unknown; headers?: Record<string, string> };

interface PendingFault {
  method: string;
  path: RegExp;
  fault: Fault;
  times: number;
}

export interface StartOptions {
  /** The emulator's clock (timestamps, rate-limit reset); real time by default. */
  now?: () => Date;
  /** When set, requests must carry this token (`token X` or `Bearer X`); other tokens get 401. */
  token?: string;
  /** Login of the authenticated user (GET /user, author of created issues). */
  login?: string;
  /** Primary limit per hour (GitHub: 5,000 with a token). */
  limit?: number;
  /** GitHub's secondary limits (off unless set); `enforceSecondaryLimits` switches them later. */
  secondaryLimits?: SecondaryLimits;
}

/**
 * GitHub's documented secondary limits: at most 900 points a minute per REST endpoint (a GET, HEAD
 * or OPTIONS is 1 point, 304s included; a write is 5) and at most 100 concurrent requests. Past
 * either, GitHub answers 403 or 429 with "You have exceeded a secondary rate limit" and a
 * `retry-after`. The minute slides on the emulator's clock; a refused request is not counted.
 */
export interface SecondaryLimits {
  pointsPerMinute?: number;
  concurrency?: number;
}

/** The endpoint GitHub counts points for: the route with its parameters, e.g. GET /repos/{owner}/{repo}/releases. */
export function endpointOf(method: string, path: string): string {
  const route = path
    .replace(/^\/repos\/[^/]+\/[^/]+/, '/repos/{owner}/{repo}')
    .replace(/^\/(orgs|users)\/[^/]+/, '/$1/{name}')
    .replace(/\/\d+(?=\/|$)/g, '/{number}');
  return `${method} ${route}`;
}

const LABEL_COLORS = ['d73a4a', 'a2eeef', '7057ff', '0075ca', 'e4e669', 'cfd3d7'];

export class GitHubEmulator {
  readonly requestLog: RecordedRequest[] = [];
  /** Every request, whatever its answer. */
  requests = 0;
  /** Requests GitHub would charge against the primary limit (not 304s, not /rate_limit). */
  chargedRequests = 0;
  /** Conditional requests answered 304. */
  notModified = 0;
  /** Requests refused with a secondary rate limit (points a minute or concurrency). */
  secondaryLimited = 0;
  /** The most requests in flight at once. */
  maxConcurrent = 0;
  private inFlight = 0;
  private secondary: SecondaryLimits | undefined;
  private readonly points = new Map<string, number[]>();

  private readonly repos = new Map<string, Repo>();
  /** Old name (lower case) → new full name, for the 301 GitHub answers after a rename. */
  private readonly renamed = new Map<string, string>();
  private readonly faults: PendingFault[] = [];
  private readonly holds: Array<{
    method: string;
    path: RegExp;
    arrive: (r: RecordedRequest) => void;
    released: Promise<void>;
  }> = [];
  private nextId = 1000;
  private limit: number;
  private remaining: number;
  private resetAtMs: number;
  private readonly authUser: GitHubUser;
  private server!: Server;
  baseUrl = '';

  private constructor(private readonly options: StartOptions) {
    this.limit = options.limit ?? 5000;
    this.remaining = this.limit;
    this.resetAtMs = this.now().getTime() + 3600_000;
    this.authUser = this.user(options.login ?? 'open-model-hub-bot', 'Bot');
    this.secondary = options.secondaryLimits;
  }

  /** Switches GitHub's secondary limits on (or off with undefined), e.g. once a test's world is set up. */
  enforceSecondaryLimits(limits: SecondaryLimits | undefined): void {
    this.secondary = limits;
    this.points.clear();
  }

  /** Requests per endpoint in the minute before the emulator's clock (the secondary limit's window). */
  pointsInLastMinute(): Record<string, number> {
    const now = this.now().getTime();
    return Object.fromEntries(
      [...this.points].map(([endpoint, at]) => [endpoint, at.filter((t) => now - t < 60_000).length]),
    );
  }

  /** The secondary limit a request would exceed, or null; counts the request when it is allowed. */
  private secondaryLimit(method: string, path: string): 'concurrency' | 'points' | null {
    const limits = this.secondary;
    if (!limits) return null;
    if (limits.concurrency !== undefined && this.inFlight > limits.concurrency) return 'concurrency';
    if (limits.pointsPerMinute === undefined || path === '/rate_limit') return null;
    const endpoint = endpointOf(method, path);
    const now = this.now().getTime();
    const recent = (this.points.get(endpoint) ?? []).filter((t) => now - t < 60_000);
    const cost = ['GET', 'HEAD', 'OPTIONS'].includes(method) ? 1 : 5;
    if (recent.length + cost > limits.pointsPerMinute) {
      this.points.set(endpoint, recent);
      return 'points';
    }
    for (let i = 0; i < cost; i++) recent.push(now);
    this.points.set(endpoint, recent);
    return null;
  }

  static async start(options: StartOptions = {}): Promise<GitHubEmulator> {
    const emulator = new GitHubEmulator(options);
    emulator.server = createServer((req, res) => void emulator.handle(req, res));
    await new Promise<void>((resolve) => emulator.server.listen(0, '127.0.0.1', () => resolve()));
    emulator.baseUrl = `http://127.0.0.1:${(emulator.server.address() as AddressInfo).port}`;
    return emulator;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- the world -------------------------------------------------------------------------

  now(): Date {
    return this.options.now ? this.options.now() : new Date();
  }

  /** Creates a repository (verbs below create theirs on first use). */
  /**
   * A private repository is visible only to an authenticated request (the token can read it,
   * unless `tokenCanRead: false`); to everyone else GitHub answers 404, as for no repository.
   */
  addRepo(
    fullName: string,
    options: { private?: boolean; labels?: string[]; tokenCanRead?: boolean } = {},
  ): void {
    const repo = this.repo(fullName, options.private);
    if (options.tokenCanRead === false) repo.hiddenFromToken = true;
    for (const name of options.labels ?? []) this.label(fullName, name);
  }

  /** Renames a repository; the old name then answers 301 to the new one, as GitHub does. */
  renameRepo(from: string, to: string): void {
    const repo = this.repo(from);
    this.repos.delete(from.toLowerCase());
    repo.fullName = to;
    this.repos.set(to.toLowerCase(), repo);
    this.renamed.set(from.toLowerCase(), to);
  }

  hasRepo(fullName: string): boolean {
    return this.repos.has(fullName.toLowerCase());
  }

  publishRelease(
    repo: string,
    o: { tag: string; name?: string; body?: string; prerelease?: boolean; draft?: boolean; author?: string },
  ): Release {
    const r = this.repo(repo);
    const at = this.now().toISOString();
    const id = this.nextId++;
    const release: Release = {
      id,
      tag_name: o.tag,
      name: o.name ?? o.tag,
      body: o.body ?? '',
      draft: o.draft ?? false,
      prerelease: o.prerelease ?? false,
      created_at: at,
      published_at: o.draft ? null : at,
      html_url: `https://github.com/${r.fullName}/releases/tag/${encodeURIComponent(o.tag)}`,
      url: `${this.baseUrl}/repos/${r.fullName}/releases/${id}`,
      target_commitish: 'main',
      author: this.user(o.author ?? 'release-bot'),
    };
    r.releases.push(release);
    return structuredClone(release);
  }

  editRelease(
    repo: string,
    tag: string,
    patch: { name?: string; body?: string; prerelease?: boolean; draft?: boolean },
  ): Release {
    const release = this.findRelease(repo, tag);
    if (patch.name !== undefined) release.name = patch.name;
    if (patch.body !== undefined) release.body = patch.body;
    if (patch.prerelease !== undefined) release.prerelease = patch.prerelease;
    if (patch.draft !== undefined) {
      release.draft = patch.draft;
      if (!patch.draft && !release.published_at) release.published_at = this.now().toISOString();
    }
    return structuredClone(release);
  }

  deleteRelease(repo: string, tag: string): void {
    const r = this.repo(repo);
    r.releases = r.releases.filter((x) => x.tag_name !== tag);
  }

  releases(repo: string): Release[] {
    return structuredClone(this.repo(repo).releases);
  }

  openIssue(repo: string, o: { title: string; body?: string; labels?: string[]; author?: string }): Issue {
    return structuredClone(this.createIssue(repo, o, false));
  }

  openPullRequest(
    repo: string,
    o: { title: string; body?: string; author?: string; labels?: string[] },
  ): Issue {
    return structuredClone(this.createIssue(repo, o, true));
  }

  closeIssue(repo: string, number: number, reason: 'completed' | 'not_planned' = 'completed'): Issue {
    const issue = this.findIssue(repo, number);
    const at = this.now().toISOString();
    issue.state = 'closed';
    issue.state_reason = reason;
    issue.closed_at = at;
    issue.updated_at = at;
    return structuredClone(issue);
  }

  reopenIssue(repo: string, number: number): Issue {
    const issue = this.findIssue(repo, number);
    issue.state = 'open';
    issue.state_reason = 'reopened';
    issue.closed_at = null;
    issue.updated_at = this.now().toISOString();
    return structuredClone(issue);
  }

  /** Adds labels to an issue or pull request after it was opened (GitHub bumps updated_at). */
  labelIssue(repo: string, number: number, labels: string[]): Issue {
    const issue = this.findIssue(repo, number);
    for (const name of labels)
      if (!issue.labels.some((l) => l.name.toLowerCase() === name.toLowerCase()))
        issue.labels.push(this.label(repo, name));
    issue.updated_at = this.now().toISOString();
    return structuredClone(issue);
  }

  /** A comment: only updated_at and the count change, which is enough to move it up the updated list. */
  commentOnIssue(repo: string, number: number): Issue {
    const issue = this.findIssue(repo, number);
    issue.comments++;
    issue.updated_at = this.now().toISOString();
    return structuredClone(issue);
  }

  issue(repo: string, number: number): Issue | undefined {
    const found = this.repo(repo).issues.find((i) => i.number === number);
    return found ? structuredClone(found) : undefined;
  }

  issues(repo: string): Issue[] {
    return structuredClone(this.repo(repo).issues);
  }

  /** Sets the primary budget; `resetAt` is when it refills (by the emulator's clock). */
  setRateLimit(o: { remaining: number; resetAt?: Date; limit?: number }): void {
    if (o.limit !== undefined) this.limit = o.limit;
    this.remaining = o.remaining;
    if (o.resetAt) this.resetAtMs = o.resetAt.getTime();
  }

  rateLimit(): { limit: number; remaining: number; resetAt: Date } {
    this.refill();
    return { limit: this.limit, remaining: this.remaining, resetAt: new Date(this.resetAtMs) };
  }

  /** The next `times` requests matching method and path get `fault` instead of their answer. */
  failNext(method: string, path: RegExp, fault: Fault, times = 1): void {
    this.faults.push({ method: method.toUpperCase(), path, fault, times });
  }

  /**
   * The next request matching method and path waits until release() before GitHub handles it (a
   * slow GitHub: the client may time out while the request is still going to be carried out);
   * `arrived` resolves when it is waiting.
   */
  hold(method: string, path: RegExp): { arrived: Promise<RecordedRequest>; release(): void } {
    let arrive!: (r: RecordedRequest) => void;
    let release!: () => void;
    const arrived = new Promise<RecordedRequest>((resolve) => {
      arrive = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.holds.push({ method: method.toUpperCase(), path, arrive, released });
    return { arrived, release };
  }

  resetCounters(): void {
    this.requests = 0;
    this.chargedRequests = 0;
    this.notModified = 0;
    this.requestLog.length = 0;
  }

  // --- internals -------------------------------------------------------------------------

  private user(login: string, type: GitHubUser['type'] = 'User'): GitHubUser {
    let hash = 0;
    for (const c of login) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
    return {
      login,
      id: hash % 10_000_000,
      type,
      html_url: `https://github.com/${login}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${hash % 10_000_000}`,
    };
  }

  private repo(fullName: string, isPrivate = false): Repo {
    const key = fullName.toLowerCase();
    let repo = this.repos.get(key);
    if (!repo) {
      repo = {
        id: this.nextId++,
        fullName,
        private: isPrivate,
        releases: [],
        issues: [],
        labels: [],
        createdAt: this.now().toISOString(),
      };
      this.repos.set(key, repo);
    }
    return repo;
  }

  private label(repo: string, name: string): Label {
    const r = this.repo(repo);
    let label = r.labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
    if (!label) {
      label = {
        id: this.nextId++,
        name,
        color: LABEL_COLORS[r.labels.length % LABEL_COLORS.length]!,
        description: null,
      };
      r.labels.push(label);
    }
    return label;
  }

  private findRelease(repo: string, tag: string): Release {
    const release = this.repo(repo).releases.find((x) => x.tag_name === tag);
    if (!release) throw new Error(`emulator: no release ${tag} in ${repo}`);
    return release;
  }

  private findIssue(repo: string, number: number): Issue {
    const issue = this.repo(repo).issues.find((i) => i.number === number);
    if (!issue) throw new Error(`emulator: no issue #${number} in ${repo}`);
    return issue;
  }

  private createIssue(
    repo: string,
    o: { title: string; body?: string; labels?: string[]; author?: string },
    pull: boolean,
    author?: GitHubUser,
  ): Issue {
    const r = this.repo(repo);
    const number = r.issues.length + 1;
    const at = this.now().toISOString();
    const kind = pull ? 'pull' : 'issues';
    const issue: Issue = {
      id: this.nextId++,
      number,
      title: o.title,
      body: o.body ?? null,
      state: 'open',
      state_reason: null,
      labels: (o.labels ?? []).map((l) => this.label(repo, l)),
      user: author ?? this.user(o.author ?? 'octocat'),
      html_url: `https://github.com/${r.fullName}/${kind}/${number}`,
      url: `${this.baseUrl}/repos/${r.fullName}/issues/${number}`,
      comments: 0,
      created_at: at,
      updated_at: at,
      closed_at: null,
    };
    if (pull) {
      issue.pull_request = {
        url: `${this.baseUrl}/repos/${r.fullName}/pulls/${number}`,
        html_url: issue.html_url,
        merged_at: null,
      };
    }
    r.issues.push(issue);
    return issue;
  }

  private refill(): void {
    const now = this.now().getTime();
    if (now >= this.resetAtMs) {
      this.remaining = this.limit;
      this.resetAtMs = now + 3600_000;
    }
  }

  private rateHeaders(): Record<string, string> {
    return {
      'x-ratelimit-limit': String(this.limit),
      'x-ratelimit-remaining': String(Math.max(0, this.remaining)),
      'x-ratelimit-used': String(this.limit - Math.max(0, this.remaining)),
      'x-ratelimit-reset': String(Math.ceil(this.resetAtMs / 1000)),
      'x-ratelimit-resource': 'core',
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const query = Object.fromEntries(url.searchParams);
    const raw = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    const body = raw ? safeJson(raw) : undefined;
    const record: RecordedRequest = {
      method,
      path,
      query,
      status: 0,
      charged: false,
      ...(req.headers['if-none-match'] ? { ifNoneMatch: String(req.headers['if-none-match']) } : {}),
      ...(req.headers.authorization ? { authorization: String(req.headers.authorization) } : {}),
      ...(body !== undefined ? { body } : {}),
    };
    this.requests++;
    this.requestLog.push(record);
    const held = this.holds.findIndex((h) => h.method === method && h.path.test(path));
    if (held !== -1) {
      const [hold] = this.holds.splice(held, 1);
      hold!.arrive(record);
      await hold!.released;
    }
    this.refill();
    this.inFlight++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.inFlight);
    res.once('close', () => this.inFlight--);

    const send = (status: number, payload: unknown, extra: Record<string, string> = {}) => {
      record.status = status;
      const text = payload === undefined ? '' : JSON.stringify(payload);
      const headers: Record<string, string> = {
        ...this.rateHeaders(),
        'content-type': 'application/json; charset=utf-8',
        ...extra,
      };
      res.writeHead(status, headers);
      res.end(status === 304 ? undefined : text);
    };
    const charge = () => {
      this.remaining--;
      this.chargedRequests++;
      record.charged = true;
    };

    const auth = req.headers.authorization;
    if (this.options.token && auth) {
      const given = auth.replace(/^(token|bearer)\s+/i, '');
      if (given !== this.options.token) {
        return send(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
      }
    }

    const limited = this.secondaryLimit(method, path);
    if (limited) {
      this.secondaryLimited++;
      const now = this.now().getTime();
      const oldest = this.points.get(endpointOf(method, path))?.[0] ?? now;
      const retryAfter = limited === 'points' ? Math.max(1, Math.ceil((oldest + 60_000 - now) / 1000)) : 60;
      return send(
        limited === 'points' ? 403 : 429,
        {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
          documentation_url:
            'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        },
        { 'retry-after': String(retryAfter) },
      );
    }

    const fault = this.takeFault(method, path);
    if (fault) {
      if ('secondary' in fault) {
        return send(
          fault.status,
          {
            message:
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            documentation_url: DOCS,
          },
          { 'retry-after': String(fault.retryAfter ?? 60) },
        );
      }
      const extra = 'headers' in fault ? (fault.headers ?? {}) : {};
      const payload = 'body' in fault ? fault.body : { message: 'Server Error' };
      return send(fault.status, payload, extra);
    }

    if (method === 'GET' && path === '/rate_limit') {
      const core = { limit: this.limit, remaining: this.remaining, reset: Math.ceil(this.resetAtMs / 1000) };
      return send(200, { resources: { core }, rate: core });
    }

    if (this.remaining <= 0) {
      record.charged = false;
      return send(403, {
        message: `API rate limit exceeded for user ID ${this.authUser.id}. If you reach out to GitHub Support for help, please include the request ID.`,
        documentation_url: DOCS,
        status: '403',
      });
    }

    const route = this.route(method, path, query, body, Boolean(auth));
    if (route.status >= 400) {
      charge();
      return send(route.status, route.payload);
    }

    const text = JSON.stringify(route.payload);
    const etag = `"${createHash('sha1').update(text).digest('hex')}"`;
    const extra: Record<string, string> = { etag, ...(route.headers ?? {}) };
    if (method === 'GET' && req.headers['if-none-match'] === etag) {
      // GitHub does not charge a conditional request answered 304.
      this.notModified++;
      return send(304, undefined, extra);
    }
    charge();
    return send(route.status, route.payload, extra);
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex((f) => f.method === method && f.path.test(path));
    if (index === -1) return undefined;
    const pending = this.faults[index]!;
    pending.times--;
    if (pending.times <= 0) this.faults.splice(index, 1);
    return pending.fault;
  }

  private route(
    method: string,
    path: string,
    query: Record<string, string>,
    body: unknown,
    authenticated: boolean,
  ): { status: number; payload: unknown; headers?: Record<string, string> } {
    const notFound = {
      status: 404,
      payload: { message: 'Not Found', documentation_url: DOCS, status: '404' },
    };
    if (method === 'GET' && path === '/user') {
      if (!authenticated) return { status: 401, payload: { message: 'Requires authentication' } };
      return { status: 200, payload: this.authUser };
    }
    if (method === 'GET' && path === '/search/issues') {
      const q = query.q ?? '';
      if (!/\bis:(issue|pull-request|pr)\b/.test(q))
        return {
          status: 422,
          payload: {
            message: 'Validation Failed',
            errors: [{ message: 'Query must include "is:issue" or "is:pull-request"', code: 'invalid' }],
          },
        };
      const repo = /\brepo:(\S+)/.exec(q)?.[1];
      const wantPulls = /\bis:(pull-request|pr)\b/.test(q);
      const terms = q
        .replace(/\b\w+:\S+/g, '')
        .trim()
        .toLowerCase();
      const all = [...this.repos.values()]
        .filter((r) => !repo || r.fullName.toLowerCase() === repo.toLowerCase())
        .filter((r) => !r.private || (authenticated && !r.hiddenFromToken))
        .flatMap((r) => r.issues)
        .filter((i) => Boolean(i.pull_request) === wantPulls)
        .filter((i) => !terms || `${i.title} ${i.body ?? ''}`.toLowerCase().includes(terms));
      return this.page({ total_count: 0, incomplete_results: false }, all, query, path);
    }

    const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) return notFound;
    const repo = this.repos.get(`${m[1]}/${m[2]}`.toLowerCase());
    const rest = m[3] ?? '';
    const movedTo = this.renamed.get(`${m[1]}/${m[2]}`.toLowerCase());
    if (!repo && movedTo) {
      const location = `${this.baseUrl}/repos/${movedTo}${rest}`;
      return { status: 301, payload: { message: 'Moved Permanently', url: location }, headers: { location } };
    }
    if (!repo) return notFound;
    // GitHub hides a private repository behind the same 404 as a missing one.
    if (repo.private && (!authenticated || repo.hiddenFromToken)) return notFound;

    if (method === 'GET' && rest === '') return { status: 200, payload: this.repoJson(repo) };
    if (method === 'GET' && rest === '/releases') {
      const visible = [...repo.releases].reverse().filter((x) => !x.draft || authenticated);
      return this.page(undefined, visible, query, path);
    }
    if (method === 'GET' && rest === '/releases/latest') {
      const latest = [...repo.releases].reverse().find((x) => !x.draft && !x.prerelease);
      return latest ? { status: 200, payload: latest } : notFound;
    }
    const tag = /^\/releases\/tags\/(.+)$/.exec(rest);
    if (method === 'GET' && tag) {
      const found = repo.releases.find((x) => x.tag_name === decodeURIComponent(tag[1]!));
      return found ? { status: 200, payload: found } : notFound;
    }
    if (method === 'GET' && rest === '/labels') return this.page(undefined, repo.labels, query, path);
    if (method === 'GET' && rest === '/issues') return this.listIssues(repo, query, path);
    if (method === 'POST' && rest === '/issues') {
      if (!authenticated) return { status: 401, payload: { message: 'Requires authentication' } };
      const input = (body ?? {}) as { title?: unknown; body?: unknown; labels?: unknown };
      if (typeof input.title !== 'string' || input.title.trim() === '')
        return {
          status: 422,
          payload: {
            message: 'Validation Failed',
            errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }],
          },
        };
      const labels = Array.isArray(input.labels)
        ? input.labels.map((l) => (typeof l === 'string' ? l : String((l as { name?: string }).name)))
        : [];
      const issue = this.createIssue(
        repo.fullName,
        { title: input.title, ...(typeof input.body === 'string' ? { body: input.body } : {}), labels },
        false,
        this.authUser,
      );
      return { status: 201, payload: issue };
    }
    const one = /^\/issues\/(\d+)$/.exec(rest);
    if (one) {
      const issue = repo.issues.find((i) => i.number === Number(one[1]));
      if (!issue) return notFound;
      if (method === 'GET') return { status: 200, payload: issue };
      if (method === 'PATCH') {
        if (!authenticated) return { status: 401, payload: { message: 'Requires authentication' } };
        const patch = (body ?? {}) as Partial<Pick<Issue, 'title' | 'body' | 'state' | 'state_reason'>> & {
          labels?: string[];
        };
        if (patch.title !== undefined) issue.title = patch.title;
        if (patch.body !== undefined) issue.body = patch.body;
        if (patch.labels) issue.labels = patch.labels.map((l) => this.label(repo.fullName, l));
        if (patch.state === 'closed' && issue.state === 'open')
          this.closeIssue(repo.fullName, issue.number, (patch.state_reason as 'not_planned') ?? 'completed');
        else if (patch.state === 'open' && issue.state === 'closed')
          this.reopenIssue(repo.fullName, issue.number);
        issue.updated_at = this.now().toISOString();
        return { status: 200, payload: issue };
      }
    }
    return notFound;
  }

  private listIssues(repo: Repo, query: Record<string, string>, path: string) {
    const state = query.state ?? 'open';
    const since = query.since ? Date.parse(query.since) : undefined;
    const labels = query.labels ? query.labels.split(',').map((l) => l.trim().toLowerCase()) : undefined;
    const sort = query.sort ?? 'created';
    const direction = query.direction ?? 'desc';
    const list = repo.issues
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => !query.creator || i.user.login.toLowerCase() === query.creator.toLowerCase())
      .filter((i) => since === undefined || Date.parse(i.updated_at) >= since)
      .filter((i) => !labels || labels.every((l) => i.labels.some((x) => x.name.toLowerCase() === l)))
      .sort((a, b) => {
        const key = sort === 'updated' ? 'updated_at' : 'created_at';
        const diff = Date.parse(a[key]) - Date.parse(b[key]) || a.number - b.number;
        return direction === 'asc' ? diff : -diff;
      });
    return this.page(undefined, list, query, path);
  }

  private page<T>(
    wrapper: Record<string, unknown> | undefined,
    all: T[],
    query: Record<string, string>,
    path: string,
  ): { status: number; payload: unknown; headers?: Record<string, string> } {
    const perPage = Math.min(100, Math.max(1, Number(query.per_page ?? 30) || 30));
    const page = Math.max(1, Number(query.page ?? 1) || 1);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const items = all.slice((page - 1) * perPage, page * perPage);
    const link = (p: number, rel: string) => {
      const params = new URLSearchParams({ ...query, per_page: String(perPage), page: String(p) });
      return `<${this.baseUrl}${path}?${params}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    const payload = wrapper ? { ...wrapper, total_count: all.length, items } : items;
    return { status: 200, payload, ...(links.length ? { headers: { link: links.join(', ') } } : {}) };
  }

  private repoJson(repo: Repo) {
    const [owner] = repo.fullName.split('/');
    return {
      id: repo.id,
      name: repo.fullName.split('/')[1],
      full_name: repo.fullName,
      private: repo.private,
      visibility: repo.private ? 'private' : 'public',
      owner: this.user(owner!, 'Organization'),
      html_url: `https://github.com/${repo.fullName}`,
      description: null,
      has_issues: true,
      open_issues_count: repo.issues.filter((i) => i.state === 'open').length,
      created_at: repo.createdAt,
      default_branch: 'main',
    };
  }
}

const DOCS = 'https://docs.github.com/rest';

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
