// What an operator reads: one line per interaction without option values, and a warning at start
// for each missing optional setting that changes behaviour.
import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startupWarnings } from '../src/startup-warnings.ts';
import { startTestHub, type TestHub } from './support/harness.ts';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: { HF_TOKEN: 'not-a-hugging-face-token' } });
});
afterAll(async () => {
  await t?.stop();
});

const interactionLines = () => t.logs.lines.filter((l) => l.msg === 'interaction');

describe('the interaction log line', () => {
  it('names the command, subcommand, server, outcome and milliseconds at info, never the option values', async () => {
    const before = interactionLines().length;
    const reply = await t.discord
      .command({
        guildId: t.guildId,
        channelId: t.channelId,
        userId: t.curatorId,
        name: 'hub',
        subcommand: 'config',
        options: { default_repo: 'secret-org/private-plans' },
      })
      .reply();
    expect(reply.content ?? reply.embeds[0]).toBeDefined();
    // The line is written when the handler ends, which may be just after the answer.
    await t.app.router.drain(5_000);
    const lines = interactionLines().slice(before);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toMatchObject({
      level: 30,
      command: 'hub',
      kind: 'command',
      action: 'config',
      guildId: t.guildId,
    });
    expect(['ok', 'user_error']).toContain(line.outcome);
    expect(typeof line.ms).toBe('number');
    expect(JSON.stringify(line)).not.toContain('secret-org');
  });

  it('names the component action for a button, not its arguments', async () => {
    const before = interactionLines().length;
    const channelId = t.discord.addChannel(t.guildId, { name: 'buttons' });
    const memberId = t.discord.addMember(t.guildId, {
      username: 'clicker',
      permissions: PermissionFlagsBits.SendMessages,
    });
    const message = (await t.hub.poster.post(channelId, { content: 'vote here' })) as { id: string };
    await t.discord
      .click({
        guildId: t.guildId,
        channelId,
        userId: memberId,
        customId: 'idea:vote:424242:up',
        messageId: message.id,
      })
      .reply();
    await t.app.router.drain(5_000);
    const line = interactionLines().slice(before)[0]!;
    expect(line).toMatchObject({ command: 'idea', kind: 'component', action: 'vote', guildId: t.guildId });
    expect(JSON.stringify(line)).not.toContain('424242');
  });
});

describe('warnings at start', () => {
  it('says what a missing GITHUB_TOKEN and a token that is not hf_… change', () => {
    const warnings = t.logs.lines.filter((l) => l.level === 40).map((l) => String(l.msg));
    expect(warnings).toContainEqual(
      expect.stringMatching(/^GITHUB_TOKEN is not set: GitHub allows 60 requests an hour/),
    );
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^HF_TOKEN is set but is not a Hugging Face token \(those start with hf_\).* \/try is off/,
      ),
    );
    expect(t.logs.text()).not.toContain('not-a-hugging-face-token');
  });

  it('says nothing when the settings are there', () => {
    const config = loadConfig({
      DISCORD_TOKEN: 'x',
      DISCORD_APPLICATION_ID: '123456789012345678',
      GITHUB_TOKEN: 'ghp_abcdefabcdef',
      HF_TOKEN: 'hf_abcdefabcdef',
    });
    expect(startupWarnings(config)).toEqual([]);
  });
});
