// What a self-hosted OpenAI-compatible server serves (GET {endpoint}/models), cached briefly: /try
// checks it before answering publicly, so a model id the server does not know is told privately.
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';

const TTL_MS = 30_000;

export class EndpointModels {
  private cached: { at: number; ids: Set<string> } | undefined;
  private pending: Promise<Set<string> | undefined> | undefined;

  constructor(
    private readonly options: {
      endpointUrl: string;
      token: string | undefined;
      clock: Clock;
      log: Logger;
      /** Discord gives a command 3 seconds before it must be acknowledged. */
      timeoutMs?: number;
    },
  ) {}

  /** The ids served, or undefined when the server did not say (down, slow, no such route). */
  async list(): Promise<Set<string> | undefined> {
    const now = this.options.clock.now().getTime();
    if (this.cached && now - this.cached.at < TTL_MS) return this.cached.ids;
    this.pending ??= this.fetchList().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /**
   * true / false when the list is known, undefined when it is not (then the request decides).
   * A model missing from a cached list gets a fresh look before the member is told no: the
   * operator may have just loaded it.
   */
  async serves(modelId: string): Promise<boolean | undefined> {
    const id = modelId.toLowerCase();
    const cached = await this.list();
    if (cached?.has(id)) return true;
    this.cached = undefined;
    const fresh = await this.list();
    return fresh ? fresh.has(id) : undefined;
  }

  private async fetchList(): Promise<Set<string> | undefined> {
    const { endpointUrl, token, clock, log } = this.options;
    try {
      const res = await fetch(`${endpointUrl}/models`, {
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 1500),
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        log.debug({ status: res.status }, 'The self-hosted endpoint did not list its models');
        return undefined;
      }
      const body = (await res.json()) as { data?: Array<{ id?: unknown }> };
      if (!Array.isArray(body.data)) return undefined;
      const ids = new Set(body.data.map((m) => String(m.id ?? '').toLowerCase()));
      this.cached = { at: clock.now().getTime(), ids };
      return ids;
    } catch (error) {
      log.debug(
        { errorName: (error as Error).name },
        'The self-hosted endpoint did not list its models in time',
      );
      return undefined;
    }
  }
}
