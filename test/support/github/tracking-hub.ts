// A running bot wired to the GitHub, Hugging Face Hub and Discord emulators, all on one fixed clock.
import { ManualClock } from '../../../src/clock.ts';
import { startTestHub, type TestHub } from '../harness.ts';
import { HubEmulator } from '../hf-hub/emulator.ts';
import { GitHubEmulator } from './emulator.ts';

export const GITHUB_TOKEN = 'ghp_trackingtesttoken0001';

export interface TrackingWorld extends TestHub {
  github: GitHubEmulator;
  hfHub: HubEmulator;
  /** Moves the clock one poll interval on and runs the poller, as the scheduled job would. */
  nextCycle(): ReturnType<TestHub['hub']['tracking']['tracker']['pollDueSources']>;
  /** Adds a watch through /watch add as the curator; returns the private answer. */
  watch(options: Record<string, string | number | boolean>, userId?: string): Promise<string>;
  addChannel(name: string): string;
  close(): Promise<void>;
}

export async function startTrackingWorld(env: Record<string, string> = {}): Promise<TrackingWorld> {
  const clock = new ManualClock('2026-11-23T09:00:00Z');
  const github = await GitHubEmulator.start({ now: () => clock.now(), token: GITHUB_TOKEN });
  const hfHub = await HubEmulator.start({ now: () => clock.now() });
  const test = await startTestHub({
    clock,
    env: {
      GITHUB_API_URL: github.baseUrl,
      GITHUB_TOKEN,
      HF_ENDPOINT: hfHub.hubUrl,
      POLL_INTERVAL_MINUTES: '5',
      ...env,
    },
  });
  const world = Object.create(test) as TrackingWorld;
  Object.assign(world, {
    github,
    hfHub,
    nextCycle() {
      clock.advance(5 * 60_000);
      return test.hub.tracking.tracker.pollDueSources();
    },
    async watch(options: Record<string, string | number | boolean>, userId = test.curatorId) {
      const interaction = test.discord.command({
        guildId: test.guildId,
        channelId: test.channelId,
        userId,
        name: 'watch',
        subcommand: 'add',
        options,
      });
      return (await interaction.reply()).content;
    },
    addChannel(name: string) {
      return test.discord.addChannel(test.guildId, { name });
    },
    async close() {
      await test.stop();
      await github.stop();
      await hfHub.stop();
    },
  });
  return world;
}
