import { describe, expect, it } from 'vitest';
import { threadName } from '../src/discord/post.ts';

describe('thread names', () => {
  it('are cut to 100 characters without splitting an emoji', () => {
    const name = `${'a'.repeat(99)}🦙 llama`;
    expect(threadName(name)).toBe('a'.repeat(99));
    expect(threadName('short 🦙')).toBe('short 🦙');
  });
});
