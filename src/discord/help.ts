// /hub help is generated from the command definitions, so it can never drift from them.
import {
  ApplicationCommandOptionType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';

export interface HelpLine {
  usage: string;
  description: string;
}

type Option = NonNullable<RESTPostAPIChatInputApplicationCommandsJSONBody['options']>[number];

function usageOf(prefix: string, options: readonly Option[] | undefined): string {
  const parts = (options ?? []).map((o) => ('required' in o && o.required ? `${o.name}:` : `[${o.name}]`));
  return [prefix, ...parts].join(' ');
}

export function helpLines(
  commands: ReadonlyArray<{ toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody }>,
): HelpLine[] {
  const lines: HelpLine[] = [];
  for (const definition of commands.map((c) => c.toJSON())) {
    const subs = (definition.options ?? []).filter(
      (o) =>
        o.type === ApplicationCommandOptionType.Subcommand ||
        o.type === ApplicationCommandOptionType.SubcommandGroup,
    );
    if (subs.length === 0) {
      lines.push({
        usage: usageOf(`/${definition.name}`, definition.options),
        description: definition.description,
      });
      continue;
    }
    for (const sub of subs) {
      if (sub.type === ApplicationCommandOptionType.SubcommandGroup) {
        for (const inner of sub.options ?? []) {
          lines.push({
            usage: usageOf(`/${definition.name} ${sub.name} ${inner.name}`, inner.options as Option[]),
            description: inner.description,
          });
        }
      } else if (sub.type === ApplicationCommandOptionType.Subcommand) {
        lines.push({
          usage: usageOf(`/${definition.name} ${sub.name}`, sub.options as Option[]),
          description: sub.description,
        });
      }
    }
  }
  return lines;
}
