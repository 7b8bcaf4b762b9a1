// /models — the curated catalog, with whether the configured provider can serve each model.
import {
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  EmbedBuilder,
  InteractionContextType,
  SlashCommandBuilder,
} from 'discord.js';
import { truncate } from '../src/discord/format.ts';
import { respond } from '../src/discord/reply.ts';
import { UserError } from '../src/errors.ts';
import type { Hub } from '../src/hub.ts';
import { type CatalogModel, servedIds } from '../src/models/catalog.ts';
import type { Availability } from '../src/models/hub-search.ts';
import { PROVIDER_TITLES, type ProviderName } from '../src/models/provider.ts';

export const data = new SlashCommandBuilder()
  .setName('models')
  .setDescription('Open models you can try here, with size, context, licence and provider')
  .setContexts(InteractionContextType.Guild)
  .addStringOption((o) =>
    o
      .setName('family')
      .setDescription('Only one family, e.g. granite')
      .setAutocomplete(true)
      .setMaxLength(40),
  );

export async function execute(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const { service, search } = hub.models;
  const family = interaction.options.getString('family');
  const models = service.catalog.models.filter(
    (m) => !family || m.family.toLowerCase() === family.trim().toLowerCase(),
  );
  if (models.length === 0)
    throw new UserError(
      `No model of the family “${truncate(family ?? '', 40)}” is in the catalog. Families: ${service.catalog.families().join(', ')}.`,
    );
  // Availability comes from the Hub or the endpoint: possibly slower than Discord's 3 seconds.
  // Deferred only now, so that a wrong family gets a private answer and no public placeholder.
  await interaction.deferReply();
  const order = service.inference.order;
  const availability = await Promise.all(
    models.map((m) =>
      Promise.all(
        order.map(async (via): Promise<Served> => {
          const id = servedIds(m)[via];
          if (!id) return { via, id: m.id, availability: { servable: false } };
          if (via === 'watsonx') return { via, id, availability: { servable: true, providers: [] } };
          return {
            via,
            id,
            availability: await search.servable(id, via === 'self-hosted' ? 'endpoint' : 'hub'),
          };
        }),
      ),
    ),
  );
  const embed = new EmbedBuilder()
    .setTitle(family ? `Open models: ${models[0]!.family}` : 'Open models you can try')
    .setColor(0x2b6cb0)
    .setDescription(
      order.length > 1
        ? `Answers come from the first of ${order.map((n) => service.inference.providerLabel('auto', n)).join(', ')} that serves the model; choose with /try provider:. Run one with /try, or two with /compare.`
        : `Answers come from ${service.inference.providerLabel('auto')}. Run one with /try, or two with /compare.`,
    )
    .addFields(fitFields(models, availability, hub.config.hfEndpoint));
  await respond(interaction, { embeds: [embed] });
}

export async function autocomplete(interaction: AutocompleteInteraction, hub: Hub): Promise<void> {
  const typed = interaction.options.getFocused().toLowerCase();
  await interaction.respond(
    hub.models.service.catalog
      .families()
      .filter((f) => f.toLowerCase().includes(typed))
      .slice(0, 25)
      .map((f) => ({ name: f, value: f })),
  );
}

/** One field per model, within Discord's 25 fields and 6,000 characters an embed; the rest is counted. */
interface Served {
  via: ProviderName;
  id: string;
  availability: Availability;
}

function fitFields(models: CatalogModel[], availability: Served[][], hubUrl: string) {
  const fields: Array<{ name: string; value: string }> = [];
  let budget = 5000;
  for (const [i, m] of models.entries()) {
    const field = {
      name: truncate(m.role === 'guard' ? `${m.name} (safety model)` : m.name, 256),
      value: truncate(modelLine(m, availability[i]!, hubUrl), 1024),
    };
    budget -= field.name.length + field.value.length;
    if (fields.length === 24 || budget < 0) {
      const left = models.length - i;
      fields.push({ name: `…and ${left} more`, value: 'Narrow the list with the family option.' });
      break;
    }
    fields.push(field);
  }
  return fields;
}

function modelLine(m: CatalogModel, served: Served[], hubUrl: string): string {
  const context =
    m.contextLength >= 1024 ? `${Math.round(m.contextLength / 1024)}k` : String(m.contextLength);
  return [
    `${m.sizeB}B parameters · ${context} context · ${m.licence}${m.vision ? ' · sees images' : ''}`,
    m.goodAt,
    `[${m.id}](${hubUrl}/${m.id}) · ${servedText(served)}`,
  ].join('\n');
}

function servedText(served: Served[]): string {
  if (served.length === 0) return '❌ no provider configured';
  // One platform: the short form, as before there were several.
  if (served.length === 1) {
    const { availability } = served[0]!;
    return availability.servable === true
      ? `✅ served (${availability.providers.join(', ') || PROVIDER_TITLES[served[0]!.via]})`
      : availability.servable === false
        ? '❌ not served by the configured provider'
        : '❔ availability unknown';
  }
  return served
    .map(({ via, id, availability }) => {
      const title = PROVIDER_TITLES[via];
      if (availability.servable === false) return `❌ ${title}`;
      if (availability.servable === 'unknown') return `❔ ${title}`;
      const detail = via === 'watsonx' ? id : via === 'huggingface' ? availability.providers.join(', ') : '';
      return `✅ ${title}${detail ? ` (${detail})` : ''}`;
    })
    .join(' · ');
}
