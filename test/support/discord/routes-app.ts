// Gateway discovery, users, the application, its commands, and server reads.
import type { Core, StoredCommand } from './core.ts';
import { ApiError, invalidFormBody } from './errors.ts';
import { commandErrors } from './limits.ts';
import type { Route } from './rest-server.ts';
import { apiChannel, apiGuild, apiMember, apiRole, apiUser } from './serialize.ts';

function storeCommands(core: Core, guildId: string | undefined, body: unknown): StoredCommand[] {
  if (!Array.isArray(body))
    throw invalidFormBody({ _errors: [{ code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' }] });
  const errors = commandErrors(body);
  if (errors) throw invalidFormBody(errors);
  const previous = guildId ? (core.commands.guild.get(guildId) ?? []) : core.commands.global;
  // biome-ignore lint/suspicious/noExplicitAny: command JSON as registered
  const stored = body.map((cmd: any) => ({
    ...cmd,
    // Discord keeps a command's id across bulk overwrites when the name stays the same.
    id: previous.find((p) => p.name === cmd.name && p.type === (cmd.type ?? 1))?.id ?? core.ids.next(),
    type: cmd.type ?? 1,
    application_id: core.options.applicationId,
    guild_id: guildId,
    version: core.ids.next(),
    default_member_permissions: cmd.default_member_permissions ?? null,
    nsfw: cmd.nsfw ?? false,
    description: cmd.description ?? '',
    options: cmd.options ?? [],
  }));
  if (guildId) core.commands.guild.set(guildId, stored);
  else core.commands.global = stored;
  core.waiters.notify();
  return stored;
}

function checkApp(core: Core, appId: string): void {
  if (appId !== core.options.applicationId) throw new ApiError(403, 50001, 'Missing Access');
}

export function appRoutes(core: Core): Route[] {
  const w = core.world;
  const wsUrl = () => core.baseUrl.replace(/^http/, 'ws');
  return [
    {
      method: 'GET',
      pattern: '/gateway/bot',
      handle: () => ({
        body: {
          url: wsUrl(),
          shards: core.recommendedShards,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
        },
      }),
    },
    { method: 'GET', pattern: '/gateway', auth: false, handle: () => ({ body: { url: wsUrl() } }) },
    {
      method: 'GET',
      pattern: '/users/@me',
      handle: () => ({
        body: { ...apiUser(w.user(core.options.botUserId)), verified: true, mfa_enabled: false },
      }),
    },
    {
      method: 'GET',
      pattern: '/users/:userId',
      handle: ({ params }) => ({ body: apiUser(w.user(params.userId!)) }),
    },
    {
      method: 'GET',
      pattern: '/applications/@me',
      handle: () => ({
        body: {
          id: core.options.applicationId,
          name: w.user(core.options.botUserId).username,
          icon: null,
          description: '',
          bot_public: true,
          bot_require_code_grant: false,
          verify_key: '0'.repeat(64),
          flags: 0,
          bot: apiUser(w.user(core.options.botUserId)),
          owner: apiUser(w.user(core.options.botUserId)),
          team: null,
          approximate_guild_count: w.guilds.size,
        },
      }),
    },
    {
      method: 'PUT',
      pattern: '/applications/:appId/commands',
      handle: ({ params, body }) => {
        checkApp(core, params.appId!);
        return { body: storeCommands(core, undefined, body) };
      },
    },
    {
      method: 'PUT',
      pattern: '/applications/:appId/guilds/:guildId/commands',
      handle: ({ params, body }) => {
        checkApp(core, params.appId!);
        w.guild(params.guildId!);
        return { body: storeCommands(core, params.guildId, body) };
      },
    },
    {
      method: 'GET',
      pattern: '/applications/:appId/commands',
      handle: ({ params }) => {
        checkApp(core, params.appId!);
        return { body: core.commands.global };
      },
    },
    {
      method: 'GET',
      pattern: '/applications/:appId/guilds/:guildId/commands',
      handle: ({ params }) => {
        checkApp(core, params.appId!);
        return { body: core.commands.guild.get(w.guild(params.guildId!).id) ?? [] };
      },
    },
    {
      method: 'GET',
      pattern: '/guilds/:guildId',
      handle: ({ params }) => ({ body: apiGuild(w, params.guildId!) }),
    },
    {
      method: 'GET',
      pattern: '/guilds/:guildId/members/:userId',
      handle: ({ params }) => ({ body: apiMember(w, w.member(params.guildId!, params.userId!)) }),
    },
    {
      method: 'GET',
      pattern: '/guilds/:guildId/channels',
      handle: ({ params }) => ({
        body: w
          .guildChannels(w.guild(params.guildId!).id)
          .filter((c) => c.type !== 10 && c.type !== 11 && c.type !== 12)
          .map((c) => apiChannel(w, c)),
      }),
    },
    {
      method: 'GET',
      pattern: '/guilds/:guildId/roles',
      handle: ({ params }) => ({ body: w.guild(params.guildId!).roles.map(apiRole) }),
    },
  ];
}
