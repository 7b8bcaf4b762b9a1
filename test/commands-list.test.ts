import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../commands/index.ts';
import { helpLines } from '../src/discord/help.ts';

describe('the one list of commands', () => {
  it('contains every command file, once', async () => {
    const dir = resolve(import.meta.dirname, '..', 'commands');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
    const listed = commands.map((c) => c.data.name);
    expect(new Set(listed).size).toBe(listed.length);
    for (const file of files) {
      const module = await import(resolve(dir, file));
      expect(listed, `commands/${file} is not in commands/index.ts`).toContain(module.data.name);
    }
    expect(listed).toHaveLength(files.length);
  });

  it('builds definitions Discord accepts: names, descriptions and option counts within limits', () => {
    for (const command of commands) {
      const json = command.data.toJSON();
      expect(json.name).toMatch(/^[a-z0-9_-]{1,32}$/);
      expect(json.description.length).toBeGreaterThan(0);
      expect(json.description.length).toBeLessThanOrEqual(100);
      expect((json.options ?? []).length).toBeLessThanOrEqual(25);
    }
  });

  it('generates help for every subcommand from the definitions', () => {
    const lines = helpLines(commands.map((c) => c.data));
    const usages = lines.map((l) => l.usage);
    expect(usages).toContain('/hub status');
    expect(usages).toContain('/hub help');
    expect(usages.find((u) => u.startsWith('/hub config'))).toContain('[timezone]');
    for (const line of lines) expect(line.description.length).toBeGreaterThan(0);
  });
});

describe('the README commands table', () => {
  const readme = readFileSync(resolve(import.meta.dirname, '..', 'README.md'), 'utf8');
  type Option = { name: string; type: number; options?: Option[] };
  const entries: Array<[string, string[]]> = [];
  for (const command of commands) {
    const walk = (path: string, options: Option[] = []) => {
      const own = options.filter((o) => o.type !== 1 && o.type !== 2).map((o) => o.name);
      if (own.length > 0 || options.length === 0) entries.push([path, own]);
      for (const o of options) if (o.type === 1 || o.type === 2) walk(`${path} ${o.name}`, o.options);
    };
    walk(`/${command.data.name}`, command.data.toJSON().options as Option[] | undefined);
  }
  it.each(entries)('%s has a row that names each of its options', (path, options) => {
    const row = readme
      .split('\n')
      .find((line) => line.startsWith(`| \`${path} `) || line.startsWith(`| \`${path}\``));
    expect(row, `no README row for ${path}`).toBeDefined();
    for (const option of options) expect(row, `${path} ${option}`).toMatch(new RegExp(`\\b${option}\\b`));
  });
});
