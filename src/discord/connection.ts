// Keeps the bot connected to Discord: retries what will pass (network, 5xx, 4011) with capped
// back-off, tells apart what will not (a refused token), falls back to the mode without the
// Message Content intent when Discord refuses it, and reports readiness per shard.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, DiscordAPIError, Events, HTTPError, type REST, Status } from 'discord.js';
import type { Logger } from '../log.ts';
import { createDiscordClient } from './client.ts';

/** A problem that will not pass by waiting; its message says what to do, in one sentence. */
export class DiscordFatalError extends Error {
  override name = 'DiscordFatalError';
}

/** Start-up was stopped (SIGTERM) before Discord answered. */
export class ConnectAbortedError extends Error {
  override name = 'ConnectAbortedError';
}

export const TOKEN_REFUSED =
  'Discord rejected DISCORD_TOKEN. Reset it at Discord Developer Portal → Applications → your app → Bot → Reset Token, then update .env.';

export const MESSAGE_CONTENT_WARNING =
  'Discord refused the Message Content intent, so the bot runs without it: /try thread conversations continue only when the member mentions the bot or replies to its message. To have every message continue them, turn on Discord Developer Portal → Applications → your app → Bot → Privileged Gateway Intents → Message Content Intent, then restart.';

const FATAL_CLOSES: Record<number, string> = {
  4004: TOKEN_REFUSED,
  4010: 'Discord refused the shard settings (4010 Invalid shard): check SHARDS and SHARD_COUNT, or leave both empty.',
  4012: 'Discord refused the gateway version (4012): upgrade the bot (npm ci after pulling the new release).',
  4013: 'Discord refused the intents as invalid (4013): this is a bug in the bot; please report it.',
};

/** Capped exponential back-off: 1 s doubling to 5 minutes, each wait ±20% so restarts do not align. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(300_000, 1000 * 2 ** Math.min(attempt, 20));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Why a request to Discord failed, in words, when the failure will pass; undefined otherwise. */
export function transientReason(error: unknown): string | undefined {
  if (error instanceof HTTPError) return `HTTP ${error.status}`;
  if (error instanceof DiscordAPIError) return error.status >= 500 ? `HTTP ${error.status}` : undefined;
  const seen = new Set<unknown>();
  for (
    let e: unknown = error;
    e && typeof e === 'object' && !seen.has(e);
    e = (e as { cause?: unknown }).cause
  ) {
    seen.add(e);
    const { code, name, hostname } = e as { code?: string; name?: string; hostname?: string };
    if (name === 'AbortError' || name === 'TimeoutError') return 'timed out';
    switch (code) {
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `DNS lookup failed${hostname ? ` for ${hostname}` : ''}`;
      case 'ECONNREFUSED':
        return 'connection refused';
      case 'ECONNRESET':
      case 'EPIPE':
      case 'UND_ERR_SOCKET':
        return 'connection reset';
      case 'ETIMEDOUT':
      case 'UND_ERR_CONNECT_TIMEOUT':
      case 'UND_ERR_HEADERS_TIMEOUT':
        return 'timed out';
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
      case 'ENETDOWN':
        return 'network unreachable';
    }
  }
  return undefined;
}

export interface DiscordConnectionOptions {
  apiUrl: string;
  token: string;
  rest: REST;
  log: Logger;
  /** Whether features want every message's content (the privileged Message Content intent). */
  messageContent: boolean;
  /** Whether features want guild messages at all. */
  guildMessages: boolean;
  shards: 'auto' | number[];
  shardCount?: number | undefined;
  /** Attaches the app's listeners (interactions, messages) to each client as it is created. */
  wire(client: Client): void;
  /** A fatal close after start (a token reset while running): the process should end. */
  onFatal(error: DiscordFatalError): void;
  random?: () => number;
}

export class DiscordConnection {
  /** The current client; a new one replaces it after a reconnection from scratch. */
  client: Client | undefined;
  /** False once Discord refused the Message Content intent. */
  messageContent: boolean;
  private waiting: string | undefined = 'not connected to Discord yet';
  private connecting: Promise<void> | undefined;
  private readonly stopper = new AbortController();
  private stopped = false;

  constructor(private readonly options: DiscordConnectionOptions) {
    this.messageContent = options.messageContent;
  }

  /** Connects, retrying what will pass; resolves once every shard is ready. */
  connect(signal?: AbortSignal): Promise<void> {
    this.connecting ??= this.connectLoop(signal).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Ready when every shard's WebSocket is ready (client.isReady() stays true while reconnecting). */
  ready(): boolean {
    return this.problem() === null;
  }

  problem(): string | null {
    const client = this.client;
    if (!client || this.connecting) return this.waiting ?? 'connecting to Discord';
    const shards = [...client.ws.shards.values()];
    if (shards.length === 0) return 'connecting to Discord';
    const down = shards.filter((s) => s.status !== Status.Ready);
    if (down.length === 0) return null;
    return down.map((s) => `shard ${s.id} ${Status[s.status]?.toLowerCase() ?? 'not ready'}`).join(', ');
  }

  ping(): number | null {
    return this.ready() && this.client ? this.client.ws.ping : null;
  }

  async destroy(): Promise<void> {
    this.stopped = true;
    this.stopper.abort();
    await this.client?.destroy();
  }

  private async connectLoop(outer?: AbortSignal): Promise<void> {
    const signal = outer ? AbortSignal.any([outer, this.stopper.signal]) : this.stopper.signal;
    const { log } = this.options;
    for (let attempt = 0; ; ) {
      if (signal.aborted) throw new ConnectAbortedError('stopped before Discord answered');
      const outcome = await this.attempt(signal);
      if (outcome === 'ready') {
        this.waiting = undefined;
        return;
      }
      if (outcome === 'retry-now') continue;
      const delay = backoffMs(attempt++, this.options.random);
      const seconds = Math.max(1, Math.round(delay / 1000));
      this.waiting = `could not reach Discord (${outcome.reason}); retrying in ${seconds} s`;
      log.warn(
        { url: outcome.url, reason: outcome.reason, retryInMs: delay, attempt },
        `could not reach Discord at ${outcome.url} (${outcome.reason}); retrying in ${seconds} s`,
      );
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        throw new ConnectAbortedError('stopped before Discord answered');
      }
    }
  }

  /** One login with a fresh client; what to do next. */
  private async attempt(
    signal: AbortSignal,
  ): Promise<'ready' | 'retry-now' | { url: string; reason: string }> {
    const { options } = this;
    const client = createDiscordClient({
      apiUrl: options.apiUrl,
      rest: options.rest,
      messageContent: this.messageContent,
      guildMessages: options.guildMessages,
      shards: options.shards,
      ...(options.shardCount ? { shardCount: options.shardCount } : {}),
    });
    let close: number | undefined;
    let socketError: unknown;
    client.on(Events.ShardDisconnect, (event) => {
      close = event.code;
    });
    client.on(Events.ShardError, (error) => {
      socketError = error;
    });
    options.wire(client);
    this.client = client;
    const abort = () => void client.destroy();
    signal.addEventListener('abort', abort, { once: true });
    try {
      await client.login(options.token);
      await waitUntilReady(client, signal);
    } catch (error) {
      await client.destroy().catch(() => {});
      // login() leaves the shared REST without a token; the next attempt sets it again.
      options.rest.setToken(options.token);
      if (signal.aborted) throw new ConnectAbortedError('stopped before Discord answered');
      if (close === 4014 && this.messageContent) {
        this.messageContent = false;
        options.log.warn({ code: 4014 }, MESSAGE_CONTENT_WARNING);
        return 'retry-now';
      }
      if (close !== undefined && FATAL_CLOSES[close]) throw new DiscordFatalError(FATAL_CLOSES[close]);
      if (
        (error as { code?: string }).code === 'TokenInvalid' ||
        (error as { status?: number }).status === 401
      )
        throw new DiscordFatalError(TOKEN_REFUSED);
      if (close === 4011) return { url: 'the gateway', reason: 'Discord requires more shards (4011)' };
      if (/Not enough sessions remaining/.test(String((error as Error).message)))
        return { url: options.apiUrl, reason: 'the daily session start limit is spent' };
      const reason = transientReason(error) ?? transientReason(socketError);
      if (reason) {
        const gateway = socketError !== undefined && transientReason(socketError) === reason;
        return { url: gateway ? (client.ws.gateway ?? 'the Discord gateway') : options.apiUrl, reason };
      }
      if (error instanceof DiscordAPIError)
        throw new DiscordFatalError(
          `Discord refused the login (${error.status}: ${error.message}): check DISCORD_TOKEN, and DISCORD_API_URL if you set it.`,
        );
      throw error;
    } finally {
      signal.removeEventListener('abort', abort);
    }
    client.on(Events.ShardDisconnect, (event, shardId) => void this.onLateClose(client, event.code, shardId));
    return 'ready';
  }

  /** A shard closed for good after start: reconnect from scratch, or end when it will not pass. */
  private async onLateClose(client: Client, code: number, shardId: number): Promise<void> {
    if (this.stopped || client !== this.client) return;
    const fatal = FATAL_CLOSES[code];
    if (fatal) {
      this.options.onFatal(new DiscordFatalError(fatal));
      return;
    }
    this.options.log.warn(
      { code, shardId },
      code === 4011
        ? 'Discord requires more shards (4011); reconnecting with its recommended shard count'
        : `Discord closed shard ${shardId} (${code}); reconnecting`,
    );
    await client.destroy().catch(() => {});
    this.options.rest.setToken(this.options.token);
    this.connect().catch((error) => {
      if (error instanceof DiscordFatalError) this.options.onFatal(error);
      else if (!(error instanceof ConnectAbortedError))
        this.options.log.error({ err: error }, 'Reconnecting to Discord failed');
    });
  }
}

function waitUntilReady(client: Client, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (client.isReady()) return resolve();
    const onReady = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = () => {
      client.off(Events.ClientReady, onReady);
      reject(new ConnectAbortedError('stopped'));
    };
    client.once(Events.ClientReady, onReady);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
