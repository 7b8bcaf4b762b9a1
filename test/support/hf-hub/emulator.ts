// A local Hugging Face Hub for what @huggingface/hub's listModels and the tracker call:
// GET /api/models (author, search, pipeline_tag, filter, sort, direction, limit, expand,
// Link rel="next" pagination) and the organisation/user overview pages used to check a name.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubModel {
  _id: string;
  id: string;
  author: string;
  private: boolean;
  gated: false | 'auto' | 'manual';
  pipeline_tag?: string;
  library_name?: string;
  tags: string[];
  downloads: number;
  likes: number;
  createdAt: string;
  lastModified: string;
  cardData?: { license?: string; [key: string]: unknown };
  sha: string;
}

export interface AddModelOptions {
  name: string;
  pipelineTag?: string;
  library?: string;
  license?: string;
  tags?: string[];
  downloads?: number;
  likes?: number;
  private?: boolean;
  gated?: false | 'auto' | 'manual';
  createdAt?: Date;
}

const DEFAULT_FIELDS = ['pipeline_tag', 'private', 'gated', 'downloads', 'likes', 'lastModified'] as const;

export class HubEmulator {
  readonly requestLog: Array<{ method: string; path: string; query: URLSearchParams; status: number }> = [];
  hubUrl = '';
  private readonly models: HubModel[] = [];
  private readonly owners = new Map<string, 'org' | 'user'>();
  private readonly faults: Array<{ path: RegExp; status: number; times: number }> = [];
  private server!: Server;
  private nextId = 1;

  private constructor(private readonly clock: () => Date) {}

  static async start(options: { now?: () => Date } = {}): Promise<HubEmulator> {
    const emulator = new HubEmulator(options.now ?? (() => new Date()));
    emulator.server = createServer((req, res) => emulator.handle(req, res));
    await new Promise<void>((resolve) => emulator.server.listen(0, '127.0.0.1', () => resolve()));
    emulator.hubUrl = `http://127.0.0.1:${(emulator.server.address() as AddressInfo).port}`;
    return emulator;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get requests(): number {
    return this.requestLog.length;
  }

  addOrg(name: string): void {
    this.owners.set(name.toLowerCase(), 'org');
  }

  /** Publishes a model under `org` (created if needed) and returns its id, e.g. "ibm-granite/granite-4.0". */
  addModel(org: string, o: AddModelOptions): HubModel {
    if (!this.owners.has(org.toLowerCase())) this.addOrg(org);
    const at = (o.createdAt ?? this.clock()).toISOString();
    const id = `${org}/${o.name}`;
    const tags = [...(o.tags ?? [])];
    if (o.library && !tags.includes(o.library)) tags.push(o.library);
    if (o.license) tags.push(`license:${o.license}`);
    const model: HubModel = {
      _id: (this.nextId++).toString(16).padStart(24, '0'),
      id,
      author: org,
      private: o.private ?? false,
      gated: o.gated ?? false,
      ...(o.pipelineTag ? { pipeline_tag: o.pipelineTag } : {}),
      ...(o.library ? { library_name: o.library } : {}),
      tags,
      downloads: o.downloads ?? 0,
      likes: o.likes ?? 0,
      createdAt: at,
      lastModified: at,
      ...(o.license ? { cardData: { license: o.license } } : {}),
      sha: (this.nextId * 7919).toString(16).padStart(40, '0'),
    };
    this.models.push(model);
    return structuredClone(model);
  }

  /** The next `times` requests whose path matches get `status`. */
  failNext(path: RegExp, status: number, times = 1): void {
    this.faults.push({ path, status, times });
  }

  private handle(req: IncomingMessage, res: ServerResponse): unknown {
    const url = new URL(req.url ?? '/', this.hubUrl);
    const entry = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, status: 200 };
    this.requestLog.push(entry);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const fault = this.faults.find((f) => f.path.test(url.pathname));
    if (fault) {
      if (--fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      return send(fault.status, { error: 'Internal Error' });
    }
    const overview = /^\/api\/(organizations|users)\/([^/]+)\/overview$/.exec(url.pathname);
    if (req.method === 'GET' && overview) {
      const kind = this.owners.get(decodeURIComponent(overview[2]!).toLowerCase());
      const wanted = overview[1] === 'organizations' ? 'org' : 'user';
      if (kind !== wanted)
        return send(404, { error: `${overview[1] === 'organizations' ? 'Organization' : 'User'} not found` });
      const name = decodeURIComponent(overview[2]!);
      return send(200, {
        name,
        fullname: name,
        type: kind,
        numModels: this.models.filter((m) => m.author === name).length,
      });
    }
    if (req.method === 'GET' && url.pathname === '/api/models') return this.listModels(url, send);
    send(404, { error: 'Not Found' });
  }

  private listModels(
    url: URL,
    send: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): void {
    const q = url.searchParams;
    const author = q.get('author')?.toLowerCase();
    const search = q.get('search')?.toLowerCase();
    const task = q.get('pipeline_tag');
    const filters = q.getAll('filter');
    const sort = q.get('sort') as keyof HubModel | null;
    const direction = q.get('direction') === '1' ? 1 : -1;
    const limit = Math.min(1000, Math.max(1, Number(q.get('limit') ?? 1000) || 1000));
    const offset = Number(q.get('cursor') ?? 0) || 0;
    const list = this.models
      .filter((m) => !m.private)
      .filter((m) => !author || m.author.toLowerCase() === author)
      .filter((m) => !search || m.id.toLowerCase().includes(search))
      .filter((m) => !task || m.pipeline_tag === task)
      .filter((m) => filters.every((f) => m.tags.includes(f) || m.library_name === f))
      .map((m, index) => ({ m, index }))
      .sort((a, b) => {
        if (!sort) return a.index - b.index;
        const x = a.m[sort] as string | number;
        const y = b.m[sort] as string | number;
        const diff = x < y ? -1 : x > y ? 1 : a.index - b.index;
        return diff * direction;
      })
      .map(({ m }) => m);
    const page = list.slice(offset, offset + limit);
    const expand = q.getAll('expand');
    const fields = expand.length > 0 ? expand : [...DEFAULT_FIELDS, 'tags', 'library_name', 'createdAt'];
    const items = page.map((m) => {
      const out: Record<string, unknown> = { _id: m._id, id: m.id };
      for (const f of fields) if (f in m) out[f] = (m as unknown as Record<string, unknown>)[f];
      return out;
    });
    const headers: Record<string, string> = {};
    if (offset + limit < list.length) {
      const next = new URLSearchParams(q);
      next.set('cursor', String(offset + limit));
      headers.link = `<${this.hubUrl}/api/models?${next}>; rel="next"`;
    }
    send(200, items, headers);
  }
}
