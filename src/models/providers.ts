// The Inference Providers this bot accepts in its catalog. @huggingface/inference adds and drops
// providers between 4.x versions, so the list is pinned here (from 4.13.30) and a test checks
// it against the installed library: an upgrade that drops one fails that test, not a user's /try.
export const PINNED_PROVIDERS = [
  'baseten',
  'cerebras',
  'cohere',
  'deepinfra',
  'featherless-ai',
  'fireworks-ai',
  'groq',
  'hf-inference',
  'novita',
  'nscale',
  'ovhcloud',
  'publicai',
  'scaleway',
  'together',
  'zai-org',
] as const;

export type ProviderChoice = 'auto' | (typeof PINNED_PROVIDERS)[number];
