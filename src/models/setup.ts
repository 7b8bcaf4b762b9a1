// Wires /try, /compare and /models into the hub: catalog, inference, guard, quotas, status line.
import { Counter, Histogram } from 'prom-client';
import type { HubCore } from '../hub.ts';
import { ModelCatalog } from './catalog.ts';
import { EndpointModels } from './endpoint-models.ts';
import { Guard } from './guard.ts';
import { HubSearch } from './hub-search.ts';
import { InferenceGateway } from './inference.ts';
import { ModelService } from './service.ts';

export interface ModelsFeature {
  service: ModelService;
  search: HubSearch;
}

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
    db: core.db,
    clock: core.clock,
    log,
    config: settings,
    catalog,
    inference,
    guard,
    endpointModels,
    timeZoneOf: (guildId) => core.settings.get(guildId).timeZone,
    observe: (result) => {
      // Hub models typed by members would make one time series each.
      const model = catalog.find(result.model.id) ? result.model.id : 'other';
      runs.inc({ model, outcome: result.outcome });
      if (result.firstTokenMs !== undefined) firstToken.observe({ model }, result.firstTokenMs / 1000);
    },
  });
  // An answer cut by a crash was never screened: with a guard, what it showed publicly goes.
  const leftovers = guard ? service.runs.unscreenedLeftovers() : [];
  const interrupted = service.runs.closeInterrupted();
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
  if (interrupted > 0) log.warn({ interrupted }, 'Closed model runs left unfinished by the previous process');
  const search = new HubSearch({
    hubUrl: config.hfEndpoint,
    hfToken: config.hfToken,
    endpointUrl: config.inferenceEndpointUrl,
    log,
  });
  core.status.add((guildId) => {
    if (!guildId) return [];
    const limits = service.quotas.get(guildId);
    const used = service.runs.usedToday(guildId, undefined, core.settings.get(guildId).timeZone);
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
  return { service, search };
}
