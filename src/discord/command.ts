import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  Message,
  MessageComponentInteraction,
  ModalSubmitInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Hub } from '../hub.ts';

/**
 * One slash command: its definition and thin handlers. Component and modal custom ids are
 * `<command>:<action>:<args…>`; the router hands the parts after the command name to the
 * command that owns the prefix.
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
