import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Prometheus metrics, on a registry of our own so tests and a second bot in one process do not collide. */
export class Metrics {
  readonly registry = new Registry();
  readonly interactions = new Counter({
    name: 'omh_interactions_total',
    help: 'Interactions handled, by command and outcome (ok, user_error, error, refused)',
    labelNames: ['command', 'kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly interactionSeconds = new Histogram({
    name: 'omh_interaction_duration_seconds',
    help: 'Time from receiving an interaction to the end of its handler',
    labelNames: ['command', 'kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'omh_' });
  }
}
