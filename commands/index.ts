// The one list of commands: the router and `npm run register` both read it.
import type { Command } from '../src/discord/command.ts';
import * as compare from './compare.ts';
import * as digest from './digest.ts';
import * as hub from './hub.ts';
import * as idea from './idea.ts';
import * as models from './models.ts';
import * as tryCommand from './try.ts';
import * as watch from './watch.ts';

export const commands: readonly Command[] = [hub, digest, watch, idea, tryCommand, compare, models];
