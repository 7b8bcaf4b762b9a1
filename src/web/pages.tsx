// The board's pages, one component each, from plain data (nothing here knows Discord or HTTP).
import type { FC } from 'hono/jsx';
import { type Idea, type IdeaEvent, type IdeaStatus, STATUS_LABELS, STATUSES } from '../ideas/types.ts';
import type { ArchivedDigest } from './archive.ts';
import type { Project } from './board.ts';
import { boardPath } from './boards.ts';
import {
  IdeaCards,
  Layout,
  Markdown,
  type Shell,
  StatusBadge,
  Time,
  UserText,
  Votes,
} from './components.tsx';
import { DigestBody, digestSummary } from './digest-view.tsx';
import { type IdeaListParams, ideaListQuery } from './params.ts';

export const HomePage: FC<{
  shell: Shell;
  projects: Project[];
  top: Idea[];
  latestDigest: ArchivedDigest | undefined;
}> = ({ shell, projects, top, latestDigest }) => (
  <Layout
    shell={shell}
    title="Overview"
    description={`Ideas, releases and weekly digests of ${shell.guild.name}`}
  >
    <h1 dir="auto">{shell.guild.name}</h1>
    <section aria-labelledby="projects">
      <h2 id="projects">Projects we follow</h2>
      {projects.length === 0 ? (
        <p class="muted">This server follows no projects yet.</p>
      ) : (
        <ul class="cards">
          {projects.map((p) => (
            <li class="card">
              <h3>
                <a href={p.url}>
                  <UserText>{p.name}</UserText>
                </a>{' '}
                <span class="muted">({p.source === 'github' ? 'GitHub' : 'Hugging Face'})</span>
              </h3>
              {p.latest ? (
                <p class="meta">
                  <span>
                    Latest {p.source === 'github' ? 'release' : 'model'}:{' '}
                    <a href={p.latest.url}>
                      <UserText>{p.latest.title}</UserText>
                    </a>
                    {p.latest.prerelease ? ' (pre-release)' : ''}
                  </span>
                  <Time iso={p.latest.publishedAt} />
                </p>
              ) : (
                <p class="meta">Nothing published since we started following it.</p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
    <section aria-labelledby="top">
      <h2 id="top">Top ideas this month</h2>
      <IdeaCards ideas={top} empty="No votes this month yet." />
      <p>
        <a href={boardPath.ideas(shell.guildId)}>All ideas</a>
      </p>
    </section>
    <section aria-labelledby="digest">
      <h2 id="digest">Latest weekly digest</h2>
      {latestDigest ? (
        <p>
          <a href={boardPath.digest(shell.guildId, latestDigest.isoWeek)}>Week {latestDigest.isoWeek}</a>:{' '}
          {digestSummary(latestDigest.digest)}
        </p>
      ) : (
        <p class="muted">No digest has been posted yet.</p>
      )}
    </section>
  </Layout>
);

const SORT_LABELS = { top: 'Top', new: 'Newest', trending: 'Trending (7 days)' } as const;

export const IdeasPage: FC<{ shell: Shell; params: IdeaListParams; ideas: Idea[]; hasNext: boolean }> = ({
  shell,
  params,
  ideas,
  hasNext,
}) => {
  const base = boardPath.ideas(shell.guildId);
  const heading = params.q ? 'Search results' : 'Ideas';
  return (
    <Layout shell={shell} title={params.page > 1 ? `${heading}, page ${params.page}` : heading}>
      <h1>{heading}</h1>
      <search>
        <form class="filters" method="get" action={base}>
          <label>
            Search
            <input type="search" name="q" value={params.q ?? ''} maxlength={200} dir="auto" />
          </label>
          <label>
            Status
            <select name="status">
              <option value="">all but duplicates</option>
              {STATUSES.map((s) => (
                <option value={s} selected={params.status === s}>
                  {STATUS_LABELS[s]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Family
            <input type="text" name="family" value={params.family ?? ''} maxlength={40} dir="auto" />
          </label>
          <label>
            Sort
            <select name="sort">
              {(['top', 'new', 'trending'] as const).map((s) => (
                <option value={s} selected={params.sort === s}>
                  {SORT_LABELS[s]}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Show</button>
        </form>
      </search>
      {params.q ? <p class="muted">Best matches first; sorting applies to lists without a search.</p> : null}
      <IdeaCards
        ideas={ideas}
        empty={params.page > 1 ? 'No more ideas on this page.' : 'No idea matches these filters.'}
      />
      <nav class="pager" aria-label="Pages">
        {params.page > 1 ? (
          <a href={`${base}${ideaListQuery({ ...params, page: params.page - 1 })}`} rel="prev">
            ← Previous
          </a>
        ) : (
          <span />
        )}
        {hasNext ? (
          <a href={`${base}${ideaListQuery({ ...params, page: params.page + 1 })}`} rel="next">
            Next →
          </a>
        ) : null}
      </nav>
    </Layout>
  );
};

const ISSUE_STATE: Partial<Record<IdeaStatus, string>> = {
  filed: 'open',
  done: 'closed as completed',
  declined_upstream: 'closed as not planned',
};

const ACTIONS: Record<string, string> = {
  submitted: 'Submitted',
  decided: 'Decision',
  revised: 'Decision revised',
  filed: 'Filed on GitHub',
  upstream: 'Changed on GitHub',
};

function actorName(
  actorId: string,
  names: Map<string, string>,
  authorId: string,
  authorName: string,
): string {
  if (actorId === 'github') return 'GitHub';
  if (actorId === authorId) return authorName;
  return names.get(actorId) ?? 'a curator';
}

export const IdeaPage: FC<{
  shell: Shell;
  idea: Idea;
  history: IdeaEvent[];
  duplicateOf: number | null;
  names: Map<string, string>;
  discussion: string | null;
}> = ({ shell, idea, history, duplicateOf, names, discussion }) => (
  <Layout shell={shell} title={`#${idea.number} ${idea.title}`} description={idea.problem.slice(0, 160)}>
    <h1>
      #{idea.number} <UserText>{idea.title}</UserText>
    </h1>
    <dl class="facts">
      <dt>Status</dt>
      <dd>
        <StatusBadge status={idea.status} />
        {idea.status === 'duplicate' && duplicateOf ? (
          <>
            {' '}
            of <a href={boardPath.idea(shell.guildId, duplicateOf)}>#{duplicateOf}</a>
          </>
        ) : null}
        {idea.statusReason ? (
          <>
            {' '}
            — <UserText>{idea.statusReason}</UserText>
          </>
        ) : null}
      </dd>
      <dt>Votes</dt>
      <dd>
        <Votes up={idea.up} down={idea.down} />
      </dd>
      {idea.family ? (
        <>
          <dt>Family</dt>
          <dd>
            <UserText>{idea.family}</UserText>
          </dd>
        </>
      ) : null}
      <dt>Proposed by</dt>
      <dd>
        <UserText>{idea.authorName}</UserText>, <Time iso={idea.createdAt} />
      </dd>
      {idea.issueUrl ? (
        <>
          <dt>GitHub issue</dt>
          <dd>
            <a href={idea.issueUrl}>
              {idea.issueRepo}#{idea.issueNumber}
            </a>{' '}
            ({ISSUE_STATE[idea.status] ?? 'filed'})
          </dd>
        </>
      ) : null}
      {discussion ? (
        <>
          <dt>Discussion</dt>
          <dd>
            <a href={discussion}>Discuss in Discord</a> <span class="muted">(for members of the server)</span>
          </dd>
        </>
      ) : null}
    </dl>
    <h2>Problem or motivation</h2>
    <Markdown text={idea.problem} />
    <h2>Proposal</h2>
    <Markdown text={idea.proposal} />
    {idea.evidence ? (
      <>
        <h2>Evidence and links</h2>
        <Markdown text={idea.evidence} />
      </>
    ) : null}
    <h2>History</h2>
    <ol class="history">
      {history.map((e) => (
        <li>
          <p class="meta">
            <Time iso={e.at} />
            <span>
              {ACTIONS[e.action] ?? 'Change'} by{' '}
              <UserText>{actorName(e.actorId, names, idea.authorId, idea.authorName)}</UserText>
            </span>
          </p>
          {e.toStatus && e.action !== 'submitted' ? (
            <p>
              {e.fromStatus ? `${STATUS_LABELS[e.fromStatus]} → ` : ''}
              {STATUS_LABELS[e.toStatus]}
              {e.reason ? (
                <>
                  : <UserText>{e.reason}</UserText>
                </>
              ) : null}
            </p>
          ) : null}
        </li>
      ))}
    </ol>
  </Layout>
);

export const DigestsPage: FC<{ shell: Shell; digests: ArchivedDigest[] }> = ({ shell, digests }) => (
  <Layout shell={shell} title="Weekly digests">
    <h1>Weekly digests</h1>
    {digests.length === 0 ? (
      <p class="muted">No digest has been posted yet.</p>
    ) : (
      <ul class="cards">
        {digests.map((d) => (
          <li class="card">
            <h3>
              <a href={boardPath.digest(shell.guildId, d.isoWeek)}>Week {d.isoWeek}</a>
            </h3>
            <p class="meta">
              <span>{digestSummary(d.digest)}</span>
              <span>
                posted <Time iso={d.postedAt} />
              </span>
            </p>
          </li>
        ))}
      </ul>
    )}
  </Layout>
);

export const DigestPage: FC<{ shell: Shell; archived: ArchivedDigest }> = ({ shell, archived }) => (
  <Layout shell={shell} title={`Week ${archived.isoWeek}`} description={digestSummary(archived.digest)}>
    <h1>Week {archived.isoWeek}</h1>
    <DigestBody shell={shell} archived={archived} />
  </Layout>
);

export const ErrorPage: FC<{ shell: Shell | null; status: number; title: string; message: string }> = ({
  shell,
  status,
  title,
  message,
}) => (
  <Layout shell={shell} title={title}>
    <h1>{title}</h1>
    <p>{message}</p>
    <p class="muted">HTTP {status}</p>
    {shell ? (
      <p>
        <a href={boardPath.home(shell.guildId)}>Back to the overview</a>
      </p>
    ) : null}
  </Layout>
);
