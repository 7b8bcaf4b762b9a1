// Discord's message payload shapes (plain JSON types, no code), for the renderers of services that
// build messages for the Poster port: they describe a message without knowing discord.js.
export type {
  APIActionRowComponent,
  APIButtonComponent,
  APIComponentInActionRow,
  APIEmbed,
  APIEmbedField,
} from 'discord.js';
