// The README's promise, checked: only commands/, src/discord/ and the composition root know
// discord.js; services and renderers use the type-only payload shapes of src/discord/payloads.ts
// and reach Discord through ports built in src/discord/.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const COMPOSITION = ['src/app.ts', 'src/register.ts', 'src/sharded.ts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(root, path)] : [];
  });
}

describe('who knows Discord', () => {
  it('outside commands/, src/discord/ and the composition root, nothing imports discord.js', () => {
    const offenders = sourceFiles(join(root, 'src'))
      .filter((f) => !f.startsWith('src/discord/') && !COMPOSITION.includes(f))
      .filter((f) =>
        /from ['"](discord\.js|@discordjs\/[^'"]+|discord-api-types[^'"]*)['"]/.test(
          readFileSync(join(root, f), 'utf8'),
        ),
      );
    expect(offenders).toEqual([]);
  });

  it('the payload shapes services may use are type-only re-exports', () => {
    const payloads = readFileSync(join(root, 'src/discord/payloads.ts'), 'utf8');
    const statements = payloads.split('\n').filter((l) => /^(import|export)\b/.test(l));
    for (const line of statements) expect(line).toMatch(/^export type \{/);
  });
});
