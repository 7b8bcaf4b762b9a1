// The models-tried section (model_runs of migrations/0003_models.sql): runs per model by people.
import type { ModelRunsSection } from '../types.ts';
import { notBot, perDay, type SectionQuery, tableExists } from './query.ts';

// No model answered these: the name was unknown or the guard stopped the prompt first.
const NOT_A_RUN = "('unknown_model', 'blocked_prompt')";

export function readModelRuns(q: SectionQuery): { section: ModelRunsSection; perDay: number[] } | undefined {
  if (!tableExists(q.db, 'model_runs')) return undefined;
  const span = { guildId: q.guildId, from: q.from, to: q.to };
  const where = `guild_id = @guildId AND started_at >= @from AND started_at < @to
    AND outcome NOT IN ${NOT_A_RUN} AND ${notBot('user_id')}`;
  const started = q.db
    .prepare(`SELECT started_at FROM model_runs WHERE ${where}`)
    .pluck()
    .all(span) as string[];
  const perModel = q.db
    .prepare(
      `SELECT model, COUNT(*) AS runs, COUNT(DISTINCT user_id) AS people FROM model_runs WHERE ${where}
       GROUP BY model ORDER BY runs DESC, people DESC, model ASC`,
    )
    .all(span) as Array<{ model: string; runs: number; people: number }>;
  const people = q.db
    .prepare(`SELECT COUNT(DISTINCT user_id) FROM model_runs WHERE ${where}`)
    .pluck()
    .get(span) as number;
  return { section: { total: started.length, people, perModel }, perDay: perDay(started, q.dayBounds) };
}
