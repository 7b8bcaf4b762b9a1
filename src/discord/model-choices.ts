// Autocomplete for model options: catalog models first, then Hub text-generation models.
import type { ApplicationCommandOptionChoiceData } from 'discord.js';
import type { Hub } from '../hub.ts';
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
