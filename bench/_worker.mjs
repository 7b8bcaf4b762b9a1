// Loads a TypeScript benchmark module inside a worker thread (workers do not inherit tsx's loader).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
