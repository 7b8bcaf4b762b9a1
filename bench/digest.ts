// The weekly digest build for a busy server: 1,000 watches and 20,000 events in the week (plus
// older weeks and another server), with ideas, votes and model runs. Prints build time
// (target: under 200 ms), render and chart time, and the size of what would be posted.
import { ManualClock } from '../src/clock.ts';
import { sqliteKysely } from '../src/db/engine.ts';
import { buildWeeklyDigest } from '../src/digest/build.ts';
import { renderActivityChart } from '../src/digest/chart.ts';
import { renderDigest } from '../src/digest/render.ts';
import { previousWeek } from '../src/digest/week.ts';
import { DigestFixtures, openDigestDb } from '../test/digest-fixtures.ts';

const GUILD = 'bench-guild';
const TZ = 'Europe/Paris';
const clock = new ManualClock('2026-03-30T07:00:00Z');
const week = previousWeek(clock.now(), TZ);
const db = openDigestDb();
const f = new DigestFixtures(db, GUILD);
const other = new DigestFixtures(db, 'other-guild');

function at(weekStart: number, i: number, n: number): string {
  const span = week.end.getTime() - week.start.getTime();
  return new Date(weekStart + Math.floor((i / n) * span)).toISOString();
}

const seedStarted = performance.now();
db.transaction(() => {
  const repos = Array.from({ length: 900 }, (_, i) => `org-${i % 60}/model-repo-${i}`);
  const orgs = Array.from({ length: 100 }, (_, i) => `hf-org-${i}`);
  for (const r of repos) f.watch(r);
  for (const o of orgs) f.watch(o, { source: 'huggingface' });
  for (let i = 0; i < 1000; i++) other.watch(`elsewhere/repo-${i}`);
  // 20,000 events in the week: 4,000 releases, 14,000 issues, 2,000 models.
  for (const [weekStart, n] of [
    [week.start.getTime(), 20_000],
    [week.start.getTime() - 7 * 86_400_000, 20_000],
    [week.start.getTime() - 14 * 86_400_000, 20_000],
  ] as const) {
    for (let i = 0; i < n; i++) {
      const when = at(weekStart, i, n);
      const tag = `${weekStart}-${i}`;
      if (i % 10 < 2)
        f.event({
          kind: 'releases',
          target: repos[i % 900]!,
          id: `v${tag}`,
          title: `Release ${i}`,
          at: when,
        });
      else if (i % 10 < 9)
        f.event({
          kind: 'issues',
          target: repos[i % 900]!,
          id: tag,
          author: i % 50 === 5 ? 'dependabot[bot]' : 'a',
          at: when,
        });
      else f.event({ kind: 'models', target: orgs[i % 100]!, id: `${orgs[i % 100]}/m-${tag}`, at: when });
    }
  }
  for (let i = 0; i < 5_000; i++)
    other.event({
      kind: 'releases',
      target: `elsewhere/repo-${i % 1000}`,
      id: `x${i}`,
      at: at(week.start.getTime(), i, 5000),
    });
  for (let i = 0; i < 500; i++) {
    const idea = f.idea({
      authorId: `u${i % 200}`,
      title: `Idea ${i}`,
      at: at(week.start.getTime() - 7 * 86_400_000, i, 250),
    });
    for (let v = 0; v < 10; v++)
      f.vote(
        idea.id,
        `v${(i + v) % 400}`,
        v % 4 ? 1 : -1,
        at(week.start.getTime(), (i * 10 + v) % 5000, 5000),
      );
    if (i % 7 === 0) f.decide(idea.id, 'accepted', at(week.start.getTime(), i, 500));
  }
  for (let i = 0; i < 5_000; i++)
    f.run({ userId: `u${i % 300}`, model: `model-${i % 25}`, at: at(week.start.getTime(), i, 5000) });
  for (let i = 0; i < 20; i++) f.user(`u${i}`, { bot: i % 10 === 0 });
})();
const seedMs = performance.now() - seedStarted;

const runs = 20;
const buildMs: number[] = [];
// The bot's own builder over the same connection (statements cached per SQL text, as in the bot).
const kdb = sqliteKysely(db);
let digest = await buildWeeklyDigest(kdb, clock, { guildId: GUILD, timeZone: TZ }, week);
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  digest = await buildWeeklyDigest(kdb, clock, { guildId: GUILD, timeZone: TZ }, week);
  buildMs.push(performance.now() - t0);
}
buildMs.sort((a, b) => a - b);

const t1 = performance.now();
const png = renderActivityChart(digest.days);
const chartMs = performance.now() - t1;
const t2 = performance.now();
const messages = renderDigest(digest, png);
const renderMs = performance.now() - t2;

const chars = messages.reduce(
  (n, m) =>
    n +
    (m.content?.length ?? 0) +
    (m.embeds ?? []).reduce((k, e) => k + (e.title?.length ?? 0) + (e.description?.length ?? 0), 0),
  0,
);
const counted =
  digest.days.reduce((n, d) => n + d.releases + d.issues, 0) +
  (digest.models ?? []).reduce((n, o) => n + o.models.length, 0);
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
console.log(
  `seeded ${(db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number).toLocaleString('en')} events in ${fmt(seedMs)}`,
);
console.log(
  `server: 1,000 watches, ${counted.toLocaleString('en')} tracked events counted in the week (bots left out)`,
);
console.log(
  `build: median ${fmt(buildMs[Math.floor(runs / 2)]!)}, p95 ${fmt(buildMs[Math.floor(runs * 0.95)]!)}, max ${fmt(buildMs.at(-1)!)} over ${runs} runs (target < 200 ms)`,
);
console.log(`chart: ${fmt(chartMs)}, ${png.length.toLocaleString('en')} bytes PNG`);
console.log(
  `render: ${fmt(renderMs)}, ${messages.length} messages, ${messages.reduce((n, m) => n + (m.embeds?.length ?? 0), 0)} embeds, ${chars.toLocaleString('en')} characters`,
);
