// A posted weekly digest as a page: the same sections and chart the Discord post had, with the
// day-by-day numbers also as a table (the chart's text alternative).
import type { FC } from 'hono/jsx';
import type { Digest, IdeaLine } from '../digest/types.ts';
import type { ArchivedDigest } from './archive.ts';
import { boardPath } from './boards.ts';
import { type Shell, UserText } from './components.tsx';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One line saying what the week held, for lists and feeds. */
export function digestSummary(d: Digest): string {
  if (d.quiet) return 'A quiet week.';
  const parts: string[] = [];
  const releases = d.releases?.reduce((n, p) => n + p.releases.length, 0) ?? 0;
  if (releases) parts.push(plural(releases, 'release'));
  const models = d.models?.reduce((n, o) => n + o.models.length, 0) ?? 0;
  if (models) parts.push(plural(models, 'new model'));
  if (d.ideas?.submitted) parts.push(`${plural(d.ideas.submitted, 'idea')} submitted`);
  if (d.modelRuns?.total) parts.push(plural(d.modelRuns.total, 'model run'));
  return parts.length > 0 ? `${parts.join(', ')}.` : 'A quiet week.';
}

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

const IdeaLines: FC<{ shell: Shell; title: string; ideas: IdeaLine[]; week?: boolean }> = ({
  shell,
  title,
  ideas,
  week,
}) =>
  ideas.length === 0 ? null : (
    <>
      <h3>{title}</h3>
      <ul>
        {ideas.map((i) => (
          <li>
            <a href={boardPath.idea(shell.guildId, i.id)}>
              #{i.id} <UserText>{i.title}</UserText>
            </a>
            {week && i.weekVotes !== undefined
              ? ` (${i.weekVotes >= 0 ? '+' : ''}${i.weekVotes} this week)`
              : ''}
            {i.issueUrl ? (
              <>
                {' '}
                · <a href={i.issueUrl}>GitHub issue</a>
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </>
  );

export const DigestBody: FC<{ shell: Shell; archived: ArchivedDigest }> = ({ shell, archived }) => {
  const d = archived.digest;
  return (
    <>
      <p class="muted">
        {d.week.start.toISOString().slice(0, 10)} to{' '}
        {new Date(d.week.end.getTime() - 1).toISOString().slice(0, 10)} ({d.week.timeZone}), posted{' '}
        {archived.postedAt.slice(0, 10)}.
      </p>
      {d.quiet ? <p>A quiet week: nothing was released, proposed or tried.</p> : null}
      {archived.hasChart ? (
        <figure>
          <img
            class="chart"
            src={boardPath.chart(shell.guildId, archived.isoWeek)}
            width="800"
            height="400"
            alt={`Activity per day in ${archived.isoWeek}; the numbers are in the table below.`}
          />
        </figure>
      ) : null}
      {!d.quiet ? (
        <table class="plain">
          <caption class="muted">Activity per day</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              {d.releases ? <th scope="col">Releases</th> : null}
              {d.issues ? <th scope="col">Issues</th> : null}
              {d.ideas ? <th scope="col">Ideas</th> : null}
              {d.modelRuns ? <th scope="col">Model runs</th> : null}
            </tr>
          </thead>
          <tbody>
            {d.days.map((day, i) => (
              <tr>
                <th scope="row">
                  {DAY_NAMES[i]} {day.date.slice(5)}
                </th>
                {d.releases ? <td>{day.releases}</td> : null}
                {d.issues ? <td>{day.issues}</td> : null}
                {d.ideas ? <td>{day.ideas}</td> : null}
                {d.modelRuns ? <td>{day.modelRuns}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {d.releases && d.releases.length > 0 ? (
        <section>
          <h2>Releases</h2>
          {d.releases.map((p) => (
            <>
              <h3>
                <a href={p.url}>
                  <UserText>{p.project}</UserText>
                </a>
              </h3>
              <ul>
                {p.releases.map((r) => (
                  <li>
                    <a href={r.url}>
                      <UserText>{r.text}</UserText>
                    </a>
                    {r.prerelease ? ' (pre-release)' : ''}
                  </li>
                ))}
              </ul>
            </>
          ))}
        </section>
      ) : null}
      {d.models && d.models.length > 0 ? (
        <section>
          <h2>New models on Hugging Face</h2>
          {d.models.map((o) => (
            <>
              <h3>
                <a href={o.url}>
                  <UserText>{o.org}</UserText>
                </a>
              </h3>
              <ul>
                {o.models.map((m) => (
                  <li>
                    <a href={m.url}>
                      <UserText>{m.text}</UserText>
                    </a>
                  </li>
                ))}
              </ul>
            </>
          ))}
        </section>
      ) : null}
      {d.issues && d.issues.length > 0 ? (
        <section>
          <h2>Issue activity</h2>
          <ul>
            {d.issues.map((r) => (
              <li>
                <a href={r.url}>
                  <UserText>{r.repo}</UserText>
                </a>
                : {plural(r.opened, 'issue')} opened{r.closed === null ? '' : `, ${r.closed} closed`}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {d.ideas && !d.quiet ? (
        <section>
          <h2>Ideas</h2>
          <p>{plural(d.ideas.submitted, 'idea')} submitted.</p>
          <IdeaLines shell={shell} title="Top ideas of the week" ideas={d.ideas.top} week />
          <IdeaLines shell={shell} title="Accepted" ideas={d.ideas.accepted} />
          <IdeaLines shell={shell} title="Filed on GitHub" ideas={d.ideas.filed} />
          <IdeaLines shell={shell} title="Done" ideas={d.ideas.done} />
          <IdeaLines shell={shell} title="Declined" ideas={d.ideas.declined} />
        </section>
      ) : null}
      {d.modelRuns && d.modelRuns.total > 0 ? (
        <section>
          <h2>Models tried</h2>
          <p>
            {plural(d.modelRuns.total, 'run')} by {plural(d.modelRuns.people, 'person', 'people')}.
          </p>
          <ul>
            {d.modelRuns.perModel.map((m) => (
              <li>
                <UserText>{m.model}</UserText>: {plural(m.runs, 'run')}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {d.newContributors && d.newContributors.length > 0 ? (
        <section>
          <h2>First-time contributors</h2>
          <ul>
            {d.newContributors.map((c) => (
              <li>
                <UserText>{c.name ?? 'a member'}</UserText>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
};
