// Safety screening with a guard model (Granite Guardian or Llama Guard) before and after generation.
import type { ChatMessage, InferenceGateway } from './inference.ts';
import type { ProviderName } from './provider.ts';
import type { ProviderChoice } from './providers.ts';

// Llama Guard 3's hazard taxonomy (MLCommons), as the model names its categories.
const LLAMA_GUARD_CATEGORIES: Record<string, string> = {
  S1: 'violent crimes',
  S2: 'non-violent crimes',
  S3: 'sex-related crimes',
  S4: 'child sexual exploitation',
  S5: 'defamation',
  S6: 'specialized advice',
  S7: 'privacy',
  S8: 'intellectual property',
  S9: 'indiscriminate weapons',
  S10: 'hate',
  S11: 'suicide and self-harm',
  S12: 'sexual content',
  S13: 'elections',
  S14: 'code interpreter abuse',
};

export type GuardVerdict = { allowed: true } | { allowed: false; policy: string };

/** The guard answered something that is neither a Llama Guard nor a Granite Guardian verdict. */
export class GuardUnreadable extends Error {
  override name = 'GuardUnreadable';
}

/** Reads a verdict: Llama Guard says "safe" / "unsafe\nS1,S10"; Granite Guardian says "No" / "Yes". */
export function parseVerdict(text: string): GuardVerdict {
  const answer = text.trim();
  if (/^(safe|no)\b/i.test(answer)) return { allowed: true };
  const unsafe = /^unsafe\s*([\s\S]*)$/i.exec(answer);
  if (unsafe) {
    const codes = unsafe[1]!.match(/S\d{1,2}/g) ?? [];
    const names = codes.map((c) => `${c} ${LLAMA_GUARD_CATEGORIES[c] ?? 'unknown category'}`);
    return { allowed: false, policy: names.length ? names.join(', ') : 'unsafe content' };
  }
  // Granite Guardian answers Yes when the text carries the risk it was asked about (harm by default).
  if (/^yes\b/i.test(answer)) return { allowed: false, policy: 'harm (Granite Guardian)' };
  throw new GuardUnreadable(`The guard model answered neither safe nor unsafe: ${answer.slice(0, 80)}`);
}

export class Guard {
  constructor(
    private readonly inference: InferenceGateway,
    readonly model: string,
    private readonly provider: ProviderChoice,
    /** Which platform runs the guard, under which id (the same routing as any model). */
    private readonly route: () => Promise<{ via: ProviderName; id: string }>,
  ) {}

  /**
   * Screens a whole conversation (system prompt and history included) before it is sent, or with
   * the answer to it; fails closed on an unreadable verdict.
   */
  async screen(conversation: ChatMessage[], answer?: string, signal?: AbortSignal): Promise<GuardVerdict> {
    const messages = guardConversation(conversation, answer);
    const route = await this.route();
    const text = await this.inference.complete({
      model: route.id,
      via: route.via,
      provider: this.provider,
      messages,
      temperature: 0,
      maxTokens: 20,
      signal,
    });
    return parseVerdict(text);
  }
}

/**
 * The conversation as guard models take it: Llama Guard's template accepts only alternating
 * user/assistant turns, so the system prompt (which steers the model as much as the prompt
 * does) is screened as part of the first user turn, and turns of one role in a row are merged.
 */
export function guardConversation(conversation: ChatMessage[], answer?: string): ChatMessage[] {
  const turns: ChatMessage[] = [];
  let system = '';
  for (const m of conversation) {
    if (m.role === 'system') {
      system += (system ? '\n\n' : '') + m.content;
      continue;
    }
    const last = turns.at(-1);
    if (last?.role === m.role) last.content += `\n\n${m.content}`;
    else turns.push({ role: m.role, content: m.content });
  }
  if (system) {
    if (turns[0]?.role === 'user') turns[0].content = `${system}\n\n${turns[0].content}`;
    else turns.unshift({ role: 'user', content: system });
  }
  if (answer !== undefined) {
    const last = turns.at(-1);
    if (last?.role === 'assistant') last.content += `\n\n${answer}`;
    else turns.push({ role: 'assistant', content: answer });
  }
  return turns;
}
