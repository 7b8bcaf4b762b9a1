// Every interaction arrives here: it finds the owning command, defers what may be slow, and
// is the one error boundary: users get a private sentence, operators a log line with the same ref.
import {
  type AutocompleteInteraction,
  type Interaction,
  type Message,
  MessageFlags,
  type RepliableInteraction,
} from 'discord.js';
import { errorRef, UserError } from '../errors.ts';
import type { Hub } from '../hub.ts';
import { type Command, NotOursError, STALE_ANSWER } from './command.ts';
import { replyPrivately } from './reply.ts';

type Kind = 'command' | 'autocomplete' | 'component' | 'modal' | 'message';

const ACK_WARNING_MS = 2_500;

export class InteractionRouter {
  private readonly byName = new Map<string, Command>();
  private readonly inFlight = new Set<Promise<void>>();
  private accepting = true;

  constructor(
    private readonly hub: Hub,
    commands: readonly Command[],
  ) {
    for (const command of commands) this.byName.set(command.data.name, command);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  /** Entry point for the client's interactionCreate event; never throws. */
  handle(interaction: Interaction): Promise<void> {
    const work = this.dispatch(interaction).catch((error) => {
      this.hub.log.error(
        { err: error, interactionId: interaction.id },
        'Interaction failed outside its handler',
      );
    });
    return this.track(work);
  }

  /** Entry point for messageCreate: offered to every command that listens to messages. */
  handleMessage(message: Message): Promise<void> {
    if (!this.accepting || message.author.bot || !message.inGuild()) return Promise.resolve();
    const work = (async () => {
      for (const command of this.byName.values()) {
        if (!command.message) continue;
        try {
          await command.message(message, this.hub);
        } catch (error) {
          const ref = errorRef();
          this.hub.log.error(
            { err: error, ref, command: command.data.name, messageId: message.id },
            'Message handler failed',
          );
        }
      }
    })();
    return this.track(work);
  }

  /** New interactions get a polite refusal from now on; in-flight ones go on. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Waits for in-flight work to end, at most `timeoutMs`; returns how many were still running. */
  async drain(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
    clearTimeout(timer);
    return this.inFlight.size;
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }

  private async dispatch(interaction: Interaction): Promise<void> {
    const route = this.route(interaction);
    if (!route) return;
    const { kind, name, command, args } = route;
    const started = performance.now();
    let outcome = 'ok';
    try {
      if (!this.accepting) {
        outcome = 'refused';
        await this.refuse(interaction, 'Open Model Hub is restarting. Try again in a minute.');
        return;
      }
      if (!command || !owns(command, kind, args)) {
        outcome = 'refused';
        await this.refuse(
          interaction,
          kind === 'component' || kind === 'modal'
            ? STALE_ANSWER
            : 'This command or button is no longer available. The bot may have been updated; run the command again.',
        );
        return;
      }
      if (!interaction.inGuild()) {
        outcome = 'refused';
        await this.refuse(
          interaction,
          'Open Model Hub works inside a server. Use its commands in a server channel.',
        );
        return;
      }
      await this.run(kind, command, interaction, args);
    } catch (error) {
      outcome =
        error instanceof NotOursError ? 'refused' : error instanceof UserError ? 'user_error' : 'error';
      await this.answerError(interaction, error, name, kind);
    } finally {
      const ms = performance.now() - started;
      this.hub.metrics.interactions.inc({ command: name, kind, outcome });
      this.hub.metrics.interactionSeconds.observe({ command: name, kind }, ms / 1000);
      // One line per interaction, never option values (they may be private). Autocomplete fires on
      // every keystroke, so it logs at debug. Measured in bench/interactions.ts: see the README.
      const action =
        kind === 'command' ? subcommandOf(interaction) : kind === 'autocomplete' ? undefined : args[0];
      this.hub.log[kind === 'autocomplete' ? 'debug' : 'info'](
        { command: name, kind, action, guildId: interaction.guildId, outcome, ms: Math.round(ms) },
        'interaction',
      );
    }
  }

  private route(
    interaction: Interaction,
  ): { kind: Kind; name: string; command: Command | undefined; args: string[] } | undefined {
    if (interaction.isChatInputCommand()) {
      const name = interaction.commandName;
      return { kind: 'command', name, command: this.byName.get(name), args: [] };
    }
    if (interaction.isAutocomplete()) {
      const name = interaction.commandName;
      return { kind: 'autocomplete', name, command: this.byName.get(name), args: [] };
    }
    if (interaction.isMessageComponent() || interaction.isModalSubmit()) {
      const [name = '', ...args] = interaction.customId.split(':');
      const kind: Kind = interaction.isModalSubmit() ? 'modal' : 'component';
      return { kind, name, command: this.byName.get(name), args };
    }
    return undefined;
  }

  private async run(kind: Kind, command: Command, interaction: Interaction, args: string[]): Promise<void> {
    // Discord gives 3 s for the first answer. A handler still silent at 2.5 s will miss it: say
    // which one, so its slow path gets a `defer` entry.
    const watchdog = setTimeout(() => {
      const answered = interaction.isAutocomplete()
        ? interaction.responded
        : interaction.isRepliable() && (interaction.replied || interaction.deferred);
      if (!answered)
        this.hub.log.error(
          { command: command.data.name, kind },
          `/${command.data.name} has not answered within 2.5 s and will miss Discord's 3-second deadline; defer this path (Command.defer) before slow work`,
        );
    }, ACK_WARNING_MS);
    watchdog.unref();
    try {
      await this.runHandler(kind, command, interaction, args);
    } finally {
      clearTimeout(watchdog);
    }
  }

  private async runHandler(
    kind: Kind,
    command: Command,
    interaction: Interaction,
    args: string[],
  ): Promise<void> {
    const hub = this.hub;
    if (kind === 'command' && interaction.isChatInputCommand()) {
      const sub = interaction.options.getSubcommand(false) ?? '';
      const defer = command.defer?.[sub] ?? command.defer?.['*'];
      if (defer) await interaction.deferReply(defer === 'private' ? { flags: MessageFlags.Ephemeral } : {});
      await command.execute(interaction, hub);
    } else if (kind === 'autocomplete' && interaction.isAutocomplete()) {
      if (command.autocomplete) await command.autocomplete(interaction, hub);
      if (!interaction.responded) await interaction.respond([]);
      return;
    } else if (kind === 'component' && interaction.isMessageComponent()) {
      await command.component?.(interaction, hub, args);
    } else if (kind === 'modal' && interaction.isModalSubmit()) {
      await command.modal?.(interaction, hub, args);
    }
    if (interaction.isRepliable() && !interaction.replied && !interaction.deferred) {
      this.hub.log.warn(
        { command: command.data.name, kind },
        'Handler returned without answering; answered for it',
      );
      await replyPrivately(interaction, 'Done.');
    }
  }

  private async refuse(interaction: Interaction, text: string): Promise<void> {
    if (interaction.isAutocomplete()) {
      if (!interaction.responded) await interaction.respond([]);
      return;
    }
    if (interaction.isRepliable()) await replyPrivately(interaction, text);
  }

  private async answerError(
    interaction: Interaction,
    error: unknown,
    name: string,
    kind: Kind,
  ): Promise<void> {
    let text: string;
    if (error instanceof UserError) {
      text = error.message;
      this.hub.log.debug({ command: name, kind, reason: error.message }, 'User error');
    } else {
      const ref = errorRef();
      text = `Something went wrong (ref ${ref}). The error was logged; if it keeps happening, give this ref to a server admin.`;
      this.hub.log.error(
        { err: error, ref, command: name, kind, guildId: interaction.guildId, userId: interaction.user.id },
        `Handler of /${name} failed (ref ${ref})`,
      );
    }
    try {
      if (interaction.isAutocomplete()) {
        const ac = interaction as AutocompleteInteraction;
        if (!ac.responded) await ac.respond([]);
      } else if (interaction.isRepliable()) {
        await replyPrivately(interaction as RepliableInteraction, text);
      }
    } catch (replyError) {
      this.hub.log.warn(
        { err: replyError, command: name },
        'Could not tell the user about an error (interaction expired?)',
      );
    }
  }
}

/**
 * Whether a component or form belongs to a handler of `command`. Ids come from old messages and
 * tampered clients as well as from the bot, so "no handler" and "an action it does not list" are
 * answered as out of date, not as bugs.
 */
function owns(command: Command, kind: Kind, args: readonly string[]): boolean {
  if (kind === 'component') {
    if (!command.component) return false;
    return !command.componentActions || command.componentActions.includes(args[0] ?? '');
  }
  if (kind === 'modal') {
    if (!command.modal) return false;
    return !command.modalActions || command.modalActions.includes(args[0] ?? '');
  }
  return true;
}

function subcommandOf(interaction: Interaction): string | undefined {
  if (!interaction.isChatInputCommand()) return undefined;
  const group = interaction.options.getSubcommandGroup(false);
  const sub = interaction.options.getSubcommand(false);
  return [group, sub].filter(Boolean).join(' ') || undefined;
}
