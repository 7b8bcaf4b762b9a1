// The world of the ideas-filing and ideas-sync tests: a GitHub emulator with the target
// repository, the bot with a token for it, an ideas channel, and helpers to make filed ideas.
import { GitHubEmulator } from './github/emulator.ts';
import { startTestHub, type TestHub } from './harness.ts';

export const REPO = 'ibm-granite/granite-ideas';
export const TOKEN = 'ghp_ideas_test_token';

export interface IdeasWorld {
  gh: GitHubEmulator;
  t: TestHub;
  ideasChannelId: string;
  /** An accepted idea by the plain member, posted in #ideas; returns its number. */
  acceptedIdea(title: string): Promise<number>;
  /** /idea file as the curator; resolves with the reply. */
  fileCommand(
    id: number,
    options?: Record<string, string>,
  ): ReturnType<ReturnType<TestHub['discord']['command']>['reply']>;
  stop(): Promise<void>;
}

export async function startIdeasWorld(extraEnv: Record<string, string> = {}): Promise<IdeasWorld> {
  const gh = await GitHubEmulator.start({ token: TOKEN, login: 'omh-bot' });
  gh.addRepo(REPO);
  const t = await startTestHub({
    env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.baseUrl, IDEAS_PER_HOUR: '50', ...extraEnv },
  });
  const ideasChannelId = t.discord.addChannel(t.guildId, { name: 'ideas' });
  await t.hub.settings.update(t.guildId, { ideasChannelId, defaultRepo: REPO }, t.curatorId);
  const at = (userId: string) => ({ guildId: t.guildId, channelId: t.channelId, userId });

  async function acceptedIdea(title: string): Promise<number> {
    const { lifecycle } = t.hub.ideas;
    const first = await lifecycle.submit(
      t.guildId,
      { id: t.memberId, name: 'Mo Member' },
      {
        title,
        problem: `Why ${title} matters: @maintainers latency is too high.`,
        proposal: `How to do ${title}.`,
        evidence: 'https://arxiv.org/abs/2310.06825',
        family: 'granite',
      },
    );
    // These ideas share their wording, so later ones meet "similar ideas" first: submit anyway.
    const result =
      first.kind === 'similar' ? await lifecycle.submitDraft(t.guildId, first.draftId, t.memberId) : first;
    if (result.kind !== 'created') throw new Error('expected a new idea');
    const number = result.idea.number;
    await t.hub.ideas.lifecycle.vote(t.guildId, number, t.curatorId, 1);
    await t.hub.ideas.lifecycle.changeStatus(t.guildId, number, t.curatorId, 'accepted', 'Worth filing.');
    await t.hub.ideas.settled();
    return number;
  }

  function fileCommand(id: number, options: Record<string, string> = {}) {
    return t.discord
      .command({ ...at(t.curatorId), name: 'idea', subcommand: 'file', options: { id, ...options } })
      .reply(10_000);
  }

  return {
    gh,
    t,
    ideasChannelId,
    acceptedIdea,
    fileCommand,
    async stop() {
      await t.stop();
      await gh.stop();
    },
  };
}
