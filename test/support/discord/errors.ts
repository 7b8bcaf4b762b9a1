// Discord's error answers: JSON `{ message, code, errors? }` with the HTTP status Discord uses.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: Record<string, unknown>,
  ) {
    super(message);
  }

  toJSON(): Record<string, unknown> {
    return this.errors
      ? { message: this.message, code: this.code, errors: this.errors }
      : { message: this.message, code: this.code };
  }
}

export const notFound = () => new ApiError(404, 0, '404: Not Found');
export const unauthorized = () => new ApiError(401, 0, '401: Unauthorized');
export const unknownChannel = () => new ApiError(404, 10003, 'Unknown Channel');
export const unknownGuild = () => new ApiError(404, 10004, 'Unknown Guild');
export const unknownMember = () => new ApiError(404, 10007, 'Unknown Member');
export const unknownMessage = () => new ApiError(404, 10008, 'Unknown Message');
export const unknownUser = () => new ApiError(404, 10013, 'Unknown User');
export const unknownWebhook = () => new ApiError(404, 10015, 'Unknown Webhook');
export const unknownInteraction = () => new ApiError(404, 10062, 'Unknown interaction');
export const alreadyAcknowledged = () =>
  new ApiError(400, 40060, 'Interaction has already been acknowledged.');
export const emptyMessage = () => new ApiError(400, 50006, 'Cannot send an empty message');
export const missingAccess = () => new ApiError(403, 50001, 'Missing Access');
export const missingPermissions = () => new ApiError(403, 50013, 'Missing Permissions');
export const cannotDm = () => new ApiError(403, 50007, 'Cannot send messages to this user');
export const notAuthor = () => new ApiError(403, 50005, 'Cannot edit a message authored by another user');
export const nonTextChannel = () => new ApiError(400, 50008, 'Cannot send messages in a non-text channel');
export const invalidWebhookToken = () => new ApiError(401, 50027, 'Invalid Webhook Token');
export const invalidFormBody = (errors: Record<string, unknown>) =>
  new ApiError(400, 50035, 'Invalid Form Body', errors);
