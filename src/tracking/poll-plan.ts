// When each source is polled: evenly spaced slots per endpoint, an interval stretched to fit
// GitHub's secondary rate limit, and the per-endpoint budget that holds every minute under it.
import type { Kind, Source } from './store.ts';

/** GitHub's secondary limit: points a minute per REST endpoint (a GET is one point, 304s included). */
export const GITHUB_POINTS_PER_MINUTE = 900;

type Key = { source: Source; targetKey: string; kind: Kind };

/** One REST endpoint, as GitHub counts its secondary limit (`GET /repos/{owner}/{repo}/releases`). */
export function endpointOf(s: { source: Source; kind: Kind }): string {
  return `${s.source}:${s.kind}`;
}

const keyOf = (s: Key) => `${s.source}:${s.targetKey}:${s.kind}`;

function phaseOf(key: string): number {
  let hash = 2166136261;
  for (const c of key) hash = Math.imul(hash ^ c.charCodeAt(0), 16777619) >>> 0;
  return hash;
}

export interface Freshness {
  endpoint: string;
  sources: number;
  /** The effective interval: the configured one, or longer when the sources outgrow the budget. */
  everyMinutes: number;
  /** True when the budget, not the setting, decides the interval. */
  stretched: boolean;
}

interface EndpointPlan {
  periodMs: number;
  count: number;
  rank: Map<string, number>;
}

export class PollPlan {
  private plans = new Map<string, EndpointPlan>();

  constructor(
    private readonly o: {
      periodMs: number;
      /** GitHub points a minute each endpoint may spend (a share of 900). */
      githubPointsPerMinute: number;
    },
  ) {}

  /** Budget a minute for an endpoint; Infinity where no secondary limit applies. */
  pointsPerMinute(endpoint: string): number {
    return endpoint.startsWith('github:') ? this.o.githubPointsPerMinute : Number.POSITIVE_INFINITY;
  }

  /** Whether `keys` (every source) still match the plan; cheap enough to ask every tick. */
  matches(counts: Map<string, number>): boolean {
    if (counts.size !== this.plans.size) return false;
    for (const [endpoint, n] of counts) if (this.plans.get(endpoint)?.count !== n) return false;
    return true;
  }

  /**
   * Ranks the sources of each endpoint by a hash of their name, and gives rank r of n the offset
   * r/n of the period: every minute holds the same number of polls (never more than the budget),
   * and a source added or removed moves the others by a fraction of a second, not a slot.
   */
  rebuild(keys: Key[]): void {
    const byEndpoint = new Map<string, Array<{ key: string; phase: number }>>();
    for (const k of keys) {
      const endpoint = endpointOf(k);
      const key = keyOf(k);
      const list = byEndpoint.get(endpoint) ?? [];
      if (list.length === 0) byEndpoint.set(endpoint, list);
      list.push({ key, phase: phaseOf(key) });
    }
    const plans = new Map<string, EndpointPlan>();
    for (const [endpoint, list] of byEndpoint) {
      list.sort((a, b) => a.phase - b.phase || (a.key < b.key ? -1 : 1));
      const rank = new Map<string, number>();
      for (const [i, e] of list.entries()) rank.set(e.key, i);
      plans.set(endpoint, { periodMs: this.periodFor(endpoint, list.length), count: list.length, rank });
    }
    this.plans = plans;
  }

  /** The configured interval, stretched to whole minutes so `count` sources fit the budget. */
  private periodFor(endpoint: string, count: number): number {
    const budget = this.pointsPerMinute(endpoint);
    if (!Number.isFinite(budget)) return this.o.periodMs;
    const minutes = Math.ceil(count / Math.max(1, budget));
    return Math.max(this.o.periodMs, minutes * 60_000);
  }

  periodOf(s: { source: Source; kind: Kind }): number {
    return this.plans.get(endpointOf(s))?.periodMs ?? this.o.periodMs;
  }

  /** The first slot of `s` after `afterMs`, at most one effective period later. */
  nextSlot(s: Key, afterMs: number): number {
    const plan = this.plans.get(endpointOf(s));
    const period = plan?.periodMs ?? this.o.periodMs;
    const rank = plan?.rank.get(keyOf(s));
    // A source the plan does not know yet (added since the last rebuild) keeps a hashed slot.
    const offset =
      rank === undefined || !plan ? phaseOf(keyOf(s)) % period : Math.floor((rank * period) / plan.count);
    const base = afterMs - ((((afterMs - offset) % period) + period) % period);
    return base + period;
  }

  freshness(): Freshness[] {
    return [...this.plans].map(([endpoint, plan]) => ({
      endpoint,
      sources: plan.count,
      everyMinutes: Math.round(plan.periodMs / 60_000),
      stretched: plan.periodMs > this.o.periodMs,
    }));
  }
}

/**
 * Points spent per endpoint in the last 60 s of the tracker's clock: polling stops for the
 * minute before GitHub would answer with a secondary limit, whatever the schedule says (a late
 * tick, pages read after a pause, a clock that jumped).
 */
export class EndpointBudget {
  private readonly spent = new Map<string, number[]>();

  constructor(private readonly perMinute: (endpoint: string) => number) {}

  left(endpoint: string, nowMs: number): number {
    const limit = this.perMinute(endpoint);
    if (!Number.isFinite(limit)) return Number.POSITIVE_INFINITY;
    return Math.max(0, limit - this.recent(endpoint, nowMs).length);
  }

  spend(endpoint: string, nowMs: number, points = 1): void {
    if (!Number.isFinite(this.perMinute(endpoint))) return;
    const list = this.recent(endpoint, nowMs);
    for (let i = 0; i < points; i++) list.push(nowMs);
  }

  private recent(endpoint: string, nowMs: number): number[] {
    let list = this.spent.get(endpoint);
    if (!list) {
      list = [];
      this.spent.set(endpoint, list);
    }
    let drop = 0;
    while (drop < list.length && nowMs - list[drop]! >= 60_000) drop++;
    if (drop > 0) list.splice(0, drop);
    return list;
  }
}

/**
 * The effective freshness in words: "every 5 minutes", or, when GitHub's budget stretches it,
 * "every 13 minutes: 9,000 sources share one token's budget".
 */
export function describeFreshness(freshness: Freshness[], intervalMinutes: number): string {
  const github = freshness.filter((f) => f.endpoint.startsWith('github:'));
  const slowest = github.filter((f) => f.stretched).sort((a, b) => b.everyMinutes - a.everyMinutes)[0];
  const every = (m: number) => (m === 1 ? 'every minute' : `every ${m} minutes`);
  if (!slowest) return every(intervalMinutes);
  const sources = github.reduce((n, f) => n + f.sources, 0);
  return `${every(slowest.everyMinutes)}: ${sources.toLocaleString('en-US')} sources share one token's budget`;
}
