// What members keep about ideas: whom each idea's changes are told to (followers, server-wide
// opt-outs) and the submissions parked while their author chooses among similar ideas (drafts).
import { type Selectable, sql } from 'kysely';
import type { IdeaDraftsTable } from '../db/schema.ts';
import { IdeaClaims } from './store-claims.ts';
import type { IdeaDraftInput } from './types.ts';

export interface Draft extends IdeaDraftInput {
  id: number;
  guildId: string;
  userId: string;
  userName: string;
  createdAt: string;
}

const toDraft = (r: Selectable<IdeaDraftsTable>): Draft => ({
  id: r.id,
  guildId: r.guild_id,
  userId: r.user_id,
  userName: r.user_name,
  family: r.family,
  title: r.title,
  problem: r.problem,
  proposal: r.proposal,
  evidence: r.evidence,
  createdAt: r.created_at,
});

export class IdeaMembers extends IdeaClaims {
  protected async follow(ideaId: number, userId: string, now: string): Promise<void> {
    await this.db
      .insertInto('idea_followers')
      .values({ idea_id: ideaId, user_id: userId, following: 1, since: now })
      .onConflict((oc) => oc.columns(['idea_id', 'user_id']).doNothing())
      .execute();
  }

  async setFollowing(ideaId: number, userId: string, following: boolean, now: string): Promise<void> {
    await this.db
      .insertInto('idea_followers')
      .values({ idea_id: ideaId, user_id: userId, following: following ? 1 : 0, since: now })
      .onConflict((oc) =>
        oc.columns(['idea_id', 'user_id']).doUpdateSet((eb) => ({
          following: eb.ref('excluded.following'),
          since: eb.ref('excluded.since'),
        })),
      )
      .execute();
  }

  async isFollowing(ideaId: number, userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('idea_followers')
      .select('following')
      .where('idea_id', '=', ideaId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.following === 1;
  }

  /** Who to tell about a change: following the idea, and not opted out of the server's idea notifications. */
  async followers(ideaId: number, guildId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('idea_followers as f')
      .select('f.user_id')
      .where('f.idea_id', '=', ideaId)
      .where('f.following', '=', 1)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('idea_notification_optouts as o')
              .select(sql.lit(1).as('one'))
              .where('o.guild_id', '=', guildId)
              .whereRef('o.user_id', '=', 'f.user_id'),
          ),
        ),
      )
      .execute();
    return rows.map((r) => r.user_id);
  }

  async setNotifications(guildId: string, userId: string, enabled: boolean, now: string): Promise<void> {
    if (enabled)
      await this.db
        .deleteFrom('idea_notification_optouts')
        .where('guild_id', '=', guildId)
        .where('user_id', '=', userId)
        .execute();
    else
      await this.db
        .insertInto('idea_notification_optouts')
        .values({ guild_id: guildId, user_id: userId, at: now })
        .onConflict((oc) => oc.doNothing())
        .execute();
  }

  async notificationsEnabled(guildId: string, userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('idea_notification_optouts')
      .select('user_id')
      .where('guild_id', '=', guildId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row === undefined;
  }

  async saveDraft(
    guildId: string,
    userId: string,
    userName: string,
    input: IdeaDraftInput,
    now: string,
    expireBefore: string,
  ): Promise<number> {
    await this.db.deleteFrom('idea_drafts').where('created_at', '<', expireBefore).execute();
    const { id } = await this.db
      .insertInto('idea_drafts')
      .values({
        guild_id: guildId,
        user_id: userId,
        user_name: userName,
        family: input.family,
        title: input.title,
        problem: input.problem,
        proposal: input.proposal,
        evidence: input.evidence,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  async draft(guildId: string, id: number): Promise<Draft | undefined> {
    const row = await this.db
      .selectFrom('idea_drafts')
      .selectAll()
      .where('id', '=', id)
      .where('guild_id', '=', guildId)
      .executeTakeFirst();
    return row && toDraft(row);
  }

  /** True when this call removed the draft: of two "Submit anyway" clicks, only one gets true. */
  async deleteDraft(id: number): Promise<boolean> {
    const r = await this.db.deleteFrom('idea_drafts').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
