// Answers that work whatever state an interaction is in (fresh, deferred, already answered).
import {
  type RepliableInteraction as AnyRepliable,
  type InteractionReplyOptions,
  type MessageComponentInteraction,
  MessageFlags,
} from 'discord.js';
import { LIMITS, truncate } from './format.ts';

/** Every interaction that can be answered, including the abstract component base class handlers receive. */
export type RepliableInteraction = AnyRepliable | MessageComponentInteraction;

const NO_PINGS = { parse: [] as [] };

/** A private answer: a reply if none was made yet, else the deferred reply or a private follow-up. */
export async function replyPrivately(interaction: RepliableInteraction, content: string): Promise<void> {
  const text = truncate(content, LIMITS.content);
  if (!interaction.deferred && !interaction.replied) {
    await interaction.reply({ content: text, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
  } else if (interaction.deferred && !interaction.replied && interaction.ephemeral) {
    await interaction.editReply({ content: text, embeds: [], components: [], allowedMentions: NO_PINGS });
  } else if (interaction.deferred && !interaction.replied && interaction.ephemeral === false) {
    // After a public deferral Discord turns the first follow-up into the public placeholder, whatever
    // its flags. So settle the placeholder first, answer privately, then remove the placeholder.
    await interaction.editReply({
      content: 'This did not work; the details were sent to you privately.',
      embeds: [],
      components: [],
    });
    await interaction.followUp({ content: text, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
    await interaction.deleteReply().catch(() => undefined);
  } else {
    // Already answered, or a component's deferUpdate (ephemeral stays null): the clicked message
    // is the member's to keep, so the answer is a private follow-up.
    await interaction.followUp({ content: text, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
  }
}

/** Answers with a message: the deferred reply is edited, otherwise a reply is sent. */
export async function respond(
  interaction: RepliableInteraction,
  message: Omit<InteractionReplyOptions, 'flags' | 'allowedMentions'> & { private?: boolean },
): Promise<void> {
  const { private: isPrivate, ...rest } = message;
  if (interaction.deferred && !interaction.replied) {
    await interaction.editReply({ ...rest, allowedMentions: NO_PINGS } as Parameters<
      typeof interaction.editReply
    >[0]);
  } else if (interaction.replied) {
    await interaction.followUp({
      ...rest,
      allowedMentions: NO_PINGS,
      ...(isPrivate ? { flags: MessageFlags.Ephemeral } : {}),
    } as Parameters<typeof interaction.followUp>[0]);
  } else {
    await interaction.reply({
      ...rest,
      allowedMentions: NO_PINGS,
      ...(isPrivate ? { flags: MessageFlags.Ephemeral } : {}),
    } as Parameters<typeof interaction.reply>[0]);
  }
}
