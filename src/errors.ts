import { randomBytes } from 'node:crypto';

/**
 * Something the user can fix (a bad option, a missing permission, an unknown id).
 * Its message is shown to the user as is, privately; everything else is a bug and is
 * shown only as "Something went wrong (ref …)".
 */
export class UserError extends Error {
  override name = 'UserError';
}

/** A short reference that ties the user's error message to the operator's log line. */
export function errorRef(): string {
  return randomBytes(3).toString('hex');
}
