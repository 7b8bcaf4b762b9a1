// vitest setupFiles: runs in every test file. Its afterAll is registered first, so it runs last
// (hooks run in stack order), after the file's own hooks have closed databases and servers.
import { afterAll } from 'vitest';
import { cleanUpAll } from './temp.ts';

afterAll(() => {
  cleanUpAll();
});
