// The board as the running bot serves it: mounted on the bot's own HTTP server beside the health
// routes, with the server's name from the bot's Discord client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './support/harness.ts';

let t: TestHub;
let origin: string;
beforeAll(async () => {
  t = await startTestHub({ env: { WEB_BASE_URL: 'https://hub.example.org' } });
  origin = `http://127.0.0.1:${t.app.httpPort}`;
});
afterAll(async () => {
  await t?.stop();
});

describe('the web board in the running bot', () => {
  it('serves a public board on the bot’s HTTP port, and 404 for a server that has not opted in', async () => {
    expect((await fetch(`${origin}/g/${t.guildId}`)).status).toBe(404);
    await t.discord
      .command({
        guildId: t.guildId,
        channelId: t.channelId,
        userId: t.curatorId,
        name: 'hub',
        subcommand: 'config',
        options: { web: 'public' },
      })
      .reply();
    const home = await fetch(`${origin}/g/${t.guildId}`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-security-policy')).toContain("default-src 'none'");
    // The name comes from the gateway's guild cache of the real discord.js client.
    expect(await home.text()).toContain('Open Models');
    expect((await fetch(`${origin}/g/${t.guildId}/ideas.atom`)).status).toBe(200);
    expect((await fetch(`${origin}/livez`)).status).toBe(200);
    expect((await fetch(`${origin}/readyz`)).status).toBe(200);
    expect((await fetch(`${origin}/g/123456789012345678`)).status).toBe(404);
  });
  it('shows an idea submitted through Discord with its votes and a link to its Discord message', async () => {
    const ideasChannelId = t.discord.addChannel(t.guildId, { name: 'ideas' });
    await t.hub.settings.update(t.guildId, { ideasChannelId }, t.curatorId);
    const at = { guildId: t.guildId, channelId: t.channelId, userId: t.memberId };
    const command = t.discord.command({ ...at, name: 'idea', subcommand: 'submit' });
    await command.firstResponse();
    const customId = (command.modal() as { custom_id: string }).custom_id;
    const fields = {
      title: 'Longer context for the small models',
      problem: 'Long documents do not fit in the context of the 2B models.',
      proposal: 'Train the 2B models with a 128k context as the 8B ones.',
      evidence: '',
    };
    expect((await t.discord.submitModal({ ...at, customId, fields }).reply()).content).toContain('#1');
    const posted = t.discord.messagesIn(ideasChannelId)[0]!;
    const page = await (await fetch(`${origin}/g/${t.guildId}/ideas/1`)).text();
    expect(page).toContain('Longer context for the small models');
    expect(page).toContain('<span class="up">0 up</span> · <span class="down">0 down</span>');
    expect(page).toContain(
      `href="https://discord.com/channels/${t.guildId}/${ideasChannelId}/${posted.id}">Discuss in Discord</a>`,
    );
  });
});
