// Checks on what a member asks, made before anything is reserved or sent upstream.
import { UserError } from '../errors.ts';

/**
 * A prompt of only spaces would still cost quota and a provider call, and the model answers
 * nonsense to it; `what` names the option in the private answer ("prompt", "system prompt").
 */
export function requireText(text: string, what: string): string {
  if (text.trim() === '')
    throw new UserError(`The ${what} is empty. Write something for the model to answer.`);
  return text;
}

/** An optional text option: absent is fine, present but blank is a mistake worth telling. */
export function optionalText(text: string | null, what: string): string | undefined {
  if (text === null) return undefined;
  if (text.trim() === '')
    throw new UserError(`The ${what} is empty. Leave the option out, or write what the model should do.`);
  return text;
}
