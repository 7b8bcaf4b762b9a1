// Where the shipped files (migrations/, data-files/, package.json) live, whether the code runs
// from src/ under tsx or compiled under dist/src/: found from the project root, not from the file.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'migrations'))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('Open Model Hub: cannot find the project root (package.json and migrations/)');
    dir = parent;
  }
}

export const PROJECT_ROOT = findRoot();

/** A path inside the project, e.g. projectPath('data-files', 'models.json'). */
export function projectPath(...segments: string[]): string {
  return join(PROJECT_ROOT, ...segments);
}
