// Wires /try, /compare and /models into the hub: catalog, inference, guard, quotas, status line.
import { Counter, Histogram } from 'prom-client';
import type { HubCore } from '../hub.ts';
import { ModelCatalog } from './catalog.ts';
import { EndpointModels } from './endpoint-models.ts';
import { Guard } from './guard.ts';
import { HubSearch } from './hub-search.ts';
import { InferenceGateway } from './inference.ts';
import type { LeftBehind } from './runs.ts';
import { ModelService } from './service.ts';

export interface ModelsFeature {
  service: ModelService;
  search: HubSearch;
  /** Settles when the start-up close of interrupted runs is done (tests and shutdown wait for it). */
  ready: Promise<void>;
}

/** The least age at which a run still "running" is taken for a stopped process's (PostgreSQL). */
const STALE_RUN_MIN_MS = 15 * 60_000;

export function setupModels(core: HubCore): ModelsFeature {
  const { config, log } = core;
  const settings = config.models;
  const catalog = ModelCatalog.load(settings.catalogPath);
  const inference = new InferenceGateway({
    hfToken: config.hfToken,
    endpointUrl: config.inferenceEndpointUrl,
    routerUrl: settings.routerUrl,
    hubUrl: config.hfEndpoint,
    watsonx: settings.watsonx ? { ...settings.watsonx, clock: core.clock } : undefined,
    providerOrder: settings.providerOrder,
    timeoutMs: settings.timeoutMs,
    firstTokenTimeoutMs: settings.firstTokenTimeoutMs,
    loadingRetries: settings.loadingRetries,
    backoffMaxMs: settings.backoffMaxMs,
    log,
  });
  const guardModel = settings.guardModel;
  const guardEntry = guardModel ? (catalog.find(guardModel) ?? ModelCatalog.adHoc(guardModel)) : undefined;
  const guard = guardEntry
    ? new Guard(inference, guardEntry.id, guardEntry.provider, () => service.route(guardEntry))
    : undefined;
  if (inference.order.length === 0)
    log.warn(
      'None of HF_TOKEN, INFERENCE_ENDPOINT_URL or WATSONX_AI_APIKEY is set: /try and /compare will say no provider is configured',
    );
  else log.info({ providers: inference.order }, 'Inference providers, in the order /try uses them');
  const endpointModels = config.inferenceEndpointUrl
    ? new EndpointModels({
        endpointUrl: config.inferenceEndpointUrl,
        token: config.hfToken,
        clock: core.clock,
        log,
      })
    : undefined;
  const runs = new Counter({
    name: 'omh_model_runs_total',
    help: 'Model generations by model (catalog models; others count as "other") and outcome',
    labelNames: ['model', 'outcome'] as const,
    registers: [core.metrics.registry],
  });
  const firstToken = new Histogram({
    name: 'omh_model_first_token_seconds',
    help: 'Time from the request to the first streamed token',
    labelNames: ['model'] as const,
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [core.metrics.registry],
  });
  const service = new ModelService({
    db: core.kdb,
    engine: core.engine,
    processId: core.database.processId,
    clock: core.clock,
    log,
    config: settings,
    catalog,
    inference,
    guard,
    endpointModels,
    observe: (result) => {
      // Hub models typed by members would make one time series each.
      const model = catalog.find(result.model.id) ? result.model.id : 'other';
      runs.inc({ model, outcome: result.outcome });
      if (result.firstTokenMs !== undefined) firstToken.observe({ model }, result.firstTokenMs / 1000);
    },
  });
  // An answer cut by a crash was never screened: with a guard, what it showed publicly goes.
  // On SQLite this process is the database's only one, so every run still "running" is a dead
  // process's. On PostgreSQL other live processes may be answering: only runs older than any
  // answer can last are closed, at start and then every few minutes (a process that died leaves
  // its runs to whichever process sweeps next).
  const shared = core.engine === 'postgres';
  const staleRunMs = Math.max(STALE_RUN_MIN_MS, 3 * settings.timeoutMs);
  const sweep = async (): Promise<void> => {
    // Shared: close what dead processes left (their liveness lock is free), and anything older than a
    // live answer can be; the runs of live processes stay.
    let left: LeftBehind | undefined;
    if (shared) {
      const owners = await service.runs.runningOwners();
      const gone: number[] = [];
      for (const owner of owners) if (!(await core.database.isAlive(owner))) gone.push(owner);
      left = { owners: gone, startedBefore: new Date(core.clock.now().getTime() - staleRunMs) };
    }
    const leftovers = guard ? await service.runs.unscreenedLeftovers(left) : [];
    const interrupted = await service.runs.closeInterrupted(left);
    if (leftovers.length > 0) {
      log.info({ messages: leftovers.length }, 'Removing unscreened answers a stopped process left visible');
      void Promise.all(
        leftovers.map((m) =>
          core.poster
            .delete?.(m.channelId, m.messageId)
            .catch((error: unknown) =>
              log.warn(
                { channelId: m.channelId, messageId: m.messageId, errorName: (error as Error).name },
                'Could not remove an unscreened answer; delete it by hand if it should not stay',
              ),
            ),
        ),
      );
    }
    if (interrupted > 0) log.warn({ interrupted }, 'Closed model runs left unfinished by a stopped process');
  };
  const swept = sweep().catch((error: unknown) =>
    log.error({ err: error }, 'Could not close the model runs a stopped process left running'),
  );
  if (shared) core.scheduler.every(STALE_RUN_MIN_MS / 3, { name: 'model-runs-sweep', run: sweep });
  const search = new HubSearch({
    hubUrl: config.hfEndpoint,
    hfToken: config.hfToken,
    endpointUrl: config.inferenceEndpointUrl,
    log,
  });
  core.status.add(async (guildId) => {
    if (!guildId) return [];
    const { limits, timeZone } = await service.quotas.withTimeZone(guildId);
    const used = await service.runs.usedToday(guildId, undefined, timeZone);
    return [
      {
        name: 'Models',
        value: `${catalog.chatModels().length} in catalog · ${
          inference.order.map((name) => inference.providerLabel('auto', name)).join(', ') ||
          'no provider configured'
        }`,
      },
      {
        name: 'Model runs today',
        value: `${used.requests}${limits.guildDailyRequests ? `/${limits.guildDailyRequests}` : ''} requests · ${used.tokens} tokens`,
      },
      { name: 'Safety guard', value: guardModel ?? 'off' },
    ];
  });
  return { service, search, ready: swept };
}
