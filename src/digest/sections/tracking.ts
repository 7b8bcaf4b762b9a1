// The releases, new-models and issue-activity sections. Written against the tracking tables
// once migrations/0002_tracking.sql lands; until then the sections are absent.
import type { OrgModels, ProjectReleases, RepoIssues } from '../types.ts';
import { type SectionQuery, tableExists } from './query.ts';

export interface TrackingRead {
  releases: ProjectReleases[];
  models: OrgModels[];
  issues: RepoIssues[];
  releasesPerDay: number[];
  issuesPerDay: number[];
}

export function readTracking(q: SectionQuery): TrackingRead | undefined {
  if (!tableExists(q.db, 'events') || !tableExists(q.db, 'watches')) return undefined;
  return undefined;
}
