import { readFileSync } from 'node:fs';
import { projectPath } from './paths.ts';

// Read from the project root so the compiled build (dist/src/) shows the same version as tsx.
export const VERSION: string = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')).version;
