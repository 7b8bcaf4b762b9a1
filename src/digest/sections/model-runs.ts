// The models-tried section (model_runs of migrations/0003_models.sql): runs per model by people.
import { sql } from 'kysely';
import type { ModelRunsSection } from '../types.ts';
import { notBot, perDay, type SectionQuery, tableExists } from './query.ts';

// No model answered these: the name was unknown or the guard stopped the prompt first.
const NOT_A_RUN = ['unknown_model', 'blocked_prompt'];

export async function readModelRuns(
  q: SectionQuery,
): Promise<{ section: ModelRunsSection; perDay: number[] } | undefined> {
  if (!tableExists(q.schema, 'model_runs')) return undefined;
  const where = sql`guild_id = ${q.guildId} AND started_at >= ${q.from} AND started_at < ${q.to}
    AND outcome NOT IN (${sql.join(NOT_A_RUN)}) AND ${notBot('user_id')}`;
  const [started, perModel, people] = await Promise.all([
    sql<{ started_at: string }>`SELECT started_at FROM model_runs WHERE ${where}`.execute(q.db),
    sql<{
      model: string;
      runs: number;
      people: number;
    }>`SELECT model, COUNT(*) AS runs, COUNT(DISTINCT user_id) AS people
      FROM model_runs WHERE ${where}
      GROUP BY model ORDER BY runs DESC, people DESC, model ASC`.execute(q.db),
    sql<{ people: number }>`SELECT COUNT(DISTINCT user_id) AS people FROM model_runs WHERE ${where}`.execute(
      q.db,
    ),
  ]);
  return {
    section: {
      total: started.rows.length,
      people: Number(people.rows[0]?.people ?? 0),
      perModel: perModel.rows.map((r) => ({
        model: r.model,
        runs: Number(r.runs),
        people: Number(r.people),
      })),
    },
    perDay: perDay(
      started.rows.map((r) => r.started_at),
      q.dayBounds,
    ),
  };
}
