// What a week's digest holds, independent of how it is shown. A section is undefined when the
// feature that feeds it is not installed (its table does not exist), so it is left out, not faked.
import type { Week } from './week.ts';

export interface Link {
  text: string;
  url: string;
}

export interface ReleaseLine extends Link {
  at: string;
  prerelease: boolean;
}

export interface ProjectReleases {
  project: string;
  url: string;
  releases: ReleaseLine[];
}

export interface OrgModels {
  org: string;
  url: string;
  models: Array<Link & { at: string }>;
}

export interface RepoIssues {
  repo: string;
  url: string;
  opened: number;
  /** null when the tracker does not record when issues close. */
  closed: number | null;
}

export interface IdeaLine {
  id: number;
  title: string;
  /** Net votes from people, all time. */
  votes: number;
  /** Net votes from people cast during the week (top ideas only). */
  weekVotes?: number;
  /** The filed GitHub issue, when there is one. */
  issueUrl: string | null;
  /** The idea's message in Discord. */
  url: string | null;
}

export interface IdeasSection {
  submitted: number;
  /** Top 5 of the ideas submitted or voted on this week, by votes from people (not bots). */
  top: IdeaLine[];
  accepted: IdeaLine[];
  filed: IdeaLine[];
  done: IdeaLine[];
  declined: IdeaLine[];
}

export interface ModelRunsSection {
  total: number;
  people: number;
  perModel: Array<{ model: string; runs: number; people: number }>;
}

export interface Contributor {
  userId: string;
  name: string | null;
  ideas: number;
}

/** One local day of the week: what the chart draws. */
export interface DayActivity {
  date: string; // YYYY-MM-DD, local
  releases: number;
  issues: number;
  ideas: number;
  modelRuns: number;
}

export interface Digest {
  guildId: string;
  week: Week;
  /** The end of what was counted: the week's end, or "now" for a week in progress. */
  until: Date;
  complete: boolean;
  releases?: ProjectReleases[];
  models?: OrgModels[];
  issues?: RepoIssues[];
  ideas?: IdeasSection;
  modelRuns?: ModelRunsSection;
  newContributors?: Contributor[];
  /** Which feature tables were missing, so the post can say what it does not cover. */
  missing: string[];
  days: DayActivity[];
  quiet: boolean;
}
