// The shape of an idea and the rules of its statuses, shared by the store, the services and the renderers.

export const STATUSES = [
  'new',
  'needs_info',
  'accepted',
  'rejected',
  'duplicate',
  'filed',
  'done',
  'declined_upstream',
] as const;
export type IdeaStatus = (typeof STATUSES)[number];

export const STATUS_LABELS: Record<IdeaStatus, string> = {
  new: 'new',
  needs_info: 'needs info',
  accepted: 'accepted',
  rejected: 'rejected',
  duplicate: 'duplicate',
  filed: 'filed',
  done: 'done',
  declined_upstream: 'declined upstream',
};

/**
 * Votes stay open while an idea is still in play, filed ones included (their count is what
 * maintainers see in the issue); a final decision closes them, and revising it reopens them.
 */
const VOTING_OPEN: ReadonlySet<IdeaStatus> = new Set(['new', 'needs_info', 'accepted', 'filed']);
export function votingOpen(status: IdeaStatus): boolean {
  return VOTING_OPEN.has(status);
}

/** Statuses a curator may set by hand; filed/done/declined_upstream come from GitHub. */
export const CURATOR_STATUSES = ['new', 'needs_info', 'accepted', 'rejected', 'duplicate'] as const;

export const FIELD_LIMITS = {
  title: 100,
  problem: 1500,
  proposal: 1500,
  evidence: 1000,
  family: 40,
  reason: 500,
} as const;

export interface Idea {
  id: number;
  guildId: string;
  number: number;
  authorId: string;
  authorName: string;
  family: string | null;
  title: string;
  problem: string;
  proposal: string;
  evidence: string;
  status: IdeaStatus;
  statusReason: string | null;
  duplicateOf: number | null;
  up: number;
  down: number;
  channelId: string | null;
  messageId: string | null;
  threadId: string | null;
  isForum: boolean;
  issueRepo: string | null;
  issueNumber: number | null;
  issueUrl: string | null;
  issueEtag: string | null;
  filedAt: string | null;
  sectionUp: number | null;
  sectionDown: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface IdeaDraftInput {
  title: string;
  problem: string;
  proposal: string;
  evidence: string;
  family: string | null;
}

export interface IdeaEvent {
  id: number;
  ideaId: number;
  actorId: string;
  action: string;
  fromStatus: IdeaStatus | null;
  toStatus: IdeaStatus | null;
  reason: string | null;
  detail: string | null;
  at: string;
}

export type VoteValue = 1 | -1;
export type ListSort = 'top' | 'new' | 'trending';
