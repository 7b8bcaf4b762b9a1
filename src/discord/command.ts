import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  Message,
  MessageComponentInteraction,
  ModalSubmitInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { UserError } from '../errors.ts';
import type { Hub } from '../hub.ts';

/**
 * One slash command: its definition and thin handlers. Component and modal custom ids are
 * `<command>:<action>:<args…>`; the router hands the parts after the command name to the
 * command that owns the prefix.
 *
 * The router answers every component and form it cannot place with one private "out of date"
 * sentence (STALE_ANSWER): a command without a handler, an action the command does not list in
 * `componentActions`/`modalActions`, or a handler that throws `notOurs()` once it finds the rest of
 * the id makes no sense (a forged number, a select menu where it made a button).
 */
export interface Command {
  data: { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  /**
   * Subcommands (or `'*'` for all) whose work may outlast Discord's 3 seconds: the router
   * defers them before the handler runs, privately when the value is 'private'.
   */
  defer?: Record<string, 'public' | 'private'>;
  execute(interaction: ChatInputCommandInteraction, hub: Hub): Promise<unknown>;
  autocomplete?(interaction: AutocompleteInteraction, hub: Hub): Promise<unknown>;
  /** The first custom id part after the command name that `component` handles; others never reach it. */
  componentActions?: readonly string[];
  /** The same for `modal`. */
  modalActions?: readonly string[];
  component?(interaction: MessageComponentInteraction, hub: Hub, args: string[]): Promise<unknown>;
  modal?(interaction: ModalSubmitInteraction, hub: Hub, args: string[]): Promise<unknown>;
  /** Messages in guild channels (needs the GuildMessages and MessageContent intents). */
  message?(message: Message, hub: Hub): Promise<unknown>;
}

/** Builds a component custom id that the router will route back to `command`. */
export function customId(command: string, action: string, ...args: Array<string | number>): string {
  const id = [command, action, ...args].join(':');
  if (id.length > 100) throw new Error(`custom id longer than Discord's 100 characters: ${id}`);
  return id;
}

/** The one answer to a button, select menu or form the bot does not recognise (stale or forged). */
export const STALE_ANSWER =
  'This button or form is out of date or not one of ours; nothing was changed. Run the command again.';

/** What a handler throws for an id it does not recognise: the router answers STALE_ANSWER. */
export class NotOursError extends UserError {
  override name = 'NotOursError';
  constructor() {
    super(STALE_ANSWER);
  }
}

export function notOurs(): NotOursError {
  return new NotOursError();
}
