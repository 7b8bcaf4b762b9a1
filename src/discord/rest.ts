// The bot's REST client: interaction answers travel outside the bot-wide global rate limit.
// discord.js re-exports @discordjs/rest: the same class its Client builds.
import { type InternalRequest, REST, RESTEvents, type RESTOptions, type ResponseLike } from 'discord.js';

// `/webhooks/{application.id}/{interaction token}…`: the edits, follow-ups and deletes of an
// interaction's own messages. discord.js sends them with `auth: false` (the token is the credential).
const INTERACTION_WEBHOOK = /^\/webhooks\/(\d{17,20})\/[^/?]+/;

/**
 * Discord documents that interaction endpoints are not bound to the bot's global rate limit (50
 * requests a second); they have their own per-token limits. @discordjs/rest exempts only the first
 * callback (`POST /interactions/:id/:token/callback`, its BurstHandler): every deferred answer, follow-up
 * and `/try` stream edit waited in the same 50-a-second queue as channel posts. This REST sends those
 * through a second instance whose client-side global limit is off. Both keep @discordjs/rest's
 * per-route buckets (one sequential queue per interaction token) and obey 429s, a global 429 included.
 */
export class InteractionAwareRest extends REST {
  readonly interactions: REST;

  constructor(
    options: Partial<RESTOptions>,
    /** The application's id: only its webhooks are interaction webhooks. */
    private readonly applicationId: () => string | undefined,
  ) {
    super(options);
    this.interactions = new REST({ ...options, globalRequestsPerSecond: Number.POSITIVE_INFINITY });
    // Listeners of the client's REST (debugging, rate-limit logs) hear both.
    for (const event of Object.values(RESTEvents))
      this.interactions.on(event, (...args: unknown[]) =>
        (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args),
      );
  }

  override setToken(token: string): this {
    super.setToken(token);
    this.interactions.setToken(token);
    return this;
  }

  override queueRequest(request: InternalRequest): Promise<ResponseLike> {
    if (request.auth === false && this.isInteractionRoute(request.fullRoute))
      return this.interactions.queueRequest(request);
    return super.queueRequest(request);
  }

  override clearHashSweeper(): void {
    super.clearHashSweeper();
    this.interactions.clearHashSweeper();
  }

  override clearHandlerSweeper(): void {
    super.clearHandlerSweeper();
    this.interactions.clearHandlerSweeper();
  }

  private isInteractionRoute(route: string): boolean {
    const id = INTERACTION_WEBHOOK.exec(route)?.[1];
    return id !== undefined && id === this.applicationId();
  }
}
