// Autocomplete for model options: catalog models first, then Hub text-generation models.
import type { ApplicationCommandOptionChoiceData } from 'discord.js';
import type { Hub } from '../hub.ts';
import { servedIds } from '../models/catalog.ts';
import { PROVIDER_TITLES } from '../models/provider.ts';
import { truncate } from './format.ts';

export async function modelChoices(
  hub: Hub,
  typed: string,
): Promise<ApplicationCommandOptionChoiceData<string>[]> {
  const { service, search } = hub.models;
  const query = typed.trim().toLowerCase();
  const catalog = service.catalog
    .chatModels()
    .filter((m) => !query || m.id.toLowerCase().includes(query) || m.name.toLowerCase().includes(query))
    .map((m) => ({ name: truncate(`${m.name} · ${m.sizeB}B · ${m.family}`, 100), value: m.id }));
  const known = new Set(catalog.map((c) => c.value.toLowerCase()));
  const hubIds = query.length >= 2 ? await search.textGenerationModels(query) : [];
  const fromHub = hubIds
    .filter((id) => !known.has(id.toLowerCase()) && id.length <= 100)
    .map((id) => ({ name: truncate(`${id} (Hub)`, 100), value: id }));
  return [...catalog, ...fromHub].slice(0, 25);
}

/** The configured platforms that serve the model typed so far, in the operator's order. */
export async function providerChoices(
  hub: Hub,
  modelId: string,
  typed: string,
): Promise<ApplicationCommandOptionChoiceData<string>[]> {
  const { service } = hub.models;
  const model = service.catalog.find(modelId.trim());
  const ids = model ? servedIds(model) : { 'self-hosted': modelId, huggingface: modelId };
  const query = typed.trim().toLowerCase();
  return service.inference.order
    .filter((name) => ids[name] && (!query || name.includes(query)))
    .map((name) => ({
      name: truncate(`${name} · ${PROVIDER_TITLES[name]} · ${ids[name]}`, 100),
      value: name,
    }));
}
