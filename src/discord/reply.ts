// Answers that work whatever state an interaction is in (fresh, deferred, already answered).
import { type InteractionReplyOptions, MessageFlags, type RepliableInteraction } from 'discord.js';

const NO_PINGS = { parse: [] as [] };

/** A private answer: a reply if none was made yet, else the deferred reply or a private follow-up. */
export async function replyPrivately(interaction: RepliableInteraction, content: string): Promise<void> {
  const text = content.length > 2000 ? `${content.slice(0, 1997)}…` : content;
  if (!interaction.deferred && !interaction.replied) {
    await interaction.reply({ content: text, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
  } else if (interaction.deferred && !interaction.replied && interaction.ephemeral) {
    await interaction.editReply({ content: text, embeds: [], components: [], allowedMentions: NO_PINGS });
  } else {
    await interaction.followUp({ content: text, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
    // A public "thinking…" placeholder would otherwise stay forever.
    if (interaction.deferred && !interaction.replied) await interaction.deleteReply().catch(() => undefined);
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
