// Images and text files a member gives /try and /compare: judged by their bytes, never by their
// name or the content type the uploader's client claimed.
import { UserError } from '../errors.ts';
import type { ImagePart } from './provider.ts';

export type ImageType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';

/** The image format by its magic bytes (PNG, JPEG, WebP, GIF), or undefined. */
export function sniffImage(bytes: Uint8Array): ImageType | undefined {
  const at = (offset: number, ascii: string) =>
    bytes.length >= offset + ascii.length &&
    [...ascii].every((ch, i) => bytes[offset + i] === ch.charCodeAt(0));
  if (bytes.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b))
    return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (at(0, 'RIFF') && at(8, 'WEBP')) return 'image/webp';
  if (at(0, 'GIF87a') || at(0, 'GIF89a')) return 'image/gif';
  return undefined;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

/** Refuses an image before downloading it, from the size Discord reports. */
export function checkImageSize(filename: string, size: number, maxBytes: number): void {
  if (size > maxBytes)
    throw new UserError(
      `${filename} is ${megabytes(size)}; images up to ${megabytes(maxBytes)} can be sent to a model. Send a smaller one.`,
    );
}

export function notAnImage(filename: string): UserError {
  return new UserError(
    `${filename} is not a PNG, JPEG, WebP or GIF image (judged by its content, not its name). Send one of those.`,
  );
}

/** An image as a content part (base64 data URL), or a private refusal that says why. */
export function imagePart(filename: string, bytes: Uint8Array, maxBytes: number): ImagePart {
  checkImageSize(filename, bytes.length, maxBytes);
  const type = sniffImage(bytes);
  if (!type) throw notAnImage(filename);
  return {
    type: 'image_url',
    image_url: { url: `data:${type};base64,${Buffer.from(bytes).toString('base64')}` },
  };
}

function notText(filename: string): UserError {
  return new UserError(
    `${filename} is not a text file (judged by its content). Send plain text, Markdown, source code, JSON or CSV in UTF-8.`,
  );
}

/**
 * Refuses what is plainly not UTF-8 text from the first bytes of a file (`complete` when they are
 * all of it): an image, a NUL byte, an invalid UTF-8 sequence.
 */
export function checkTextHead(filename: string, head: Uint8Array, complete: boolean): void {
  if (sniffImage(head) || head.includes(0)) throw notText(filename);
  // A multi-byte character may be cut at the end of a partial read: up to 3 bytes are left out.
  let end = head.length;
  if (!complete)
    for (let back = 1; back <= 3 && end - back >= 0; back++) {
      const byte = head[end - back]!;
      if ((byte & 0xc0) === 0xc0) {
        end -= back;
        break;
      }
      if ((byte & 0x80) === 0) break;
    }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end));
  } catch {
    throw notText(filename);
  }
}

export interface TextFile {
  /** What goes into the prompt. */
  text: string;
  totalChars: number;
  usedChars: number;
  /** Why it was cut, when it was: the setting or the model's context. */
  cutBy: 'setting' | 'context' | undefined;
}

/**
 * A text file's content, decided by its bytes: UTF-8 (a BOM is dropped) without NUL bytes or
 * many control characters. Cut to `maxChars` and to what the model's context leaves after the
 * prompt and the answer's budget.
 */
export function readTextFile(
  filename: string,
  bytes: Uint8Array,
  limits: { maxChars: number; contextLength: number; promptTokens: number; answerTokens: number },
): TextFile {
  checkTextHead(filename, bytes, true);
  let text = new TextDecoder('utf-8').decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Tabs, newlines and carriage returns are text; other C0 controls in numbers mean a binary format.
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) controls++;
  }
  if (controls > Math.max(8, text.length / 100)) throw notText(filename);
  if (text.trim() === '') throw new UserError(`${filename} is empty. Send a file with some text in it.`);
  // Leave room for the prompt, the answer and some framing (4 characters a token, as elsewhere).
  const contextChars = Math.max(
    0,
    (limits.contextLength - limits.promptTokens - limits.answerTokens - 64) * 4,
  );
  const room = Math.min(limits.maxChars, contextChars);
  if (room < 200)
    throw new UserError(
      `The model's context has no room left for ${filename} after the prompt and the answer's budget. Lower max_tokens or pick a model with a longer context.`,
    );
  const chars = [...text];
  if (chars.length <= room)
    return { text, totalChars: chars.length, usedChars: chars.length, cutBy: undefined };
  return {
    text: chars.slice(0, room).join(''),
    totalChars: chars.length,
    usedChars: room,
    cutBy: room === limits.maxChars ? 'setting' : 'context',
  };
}

/** The prompt with the file inlined after it, marked so the model knows where it starts and ends. */
export function promptWithFile(prompt: string, filename: string, file: TextFile): string {
  const cut = file.cutBy ? ` (the first ${file.usedChars.toLocaleString('en-US')} characters)` : '';
  return `${prompt}\n\n<file name="${filename.replaceAll('"', "'")}"${cut ? ' truncated="true"' : ''}>\n${file.text}\n</file>`;
}

/** The member's own words of a prompt that may have a file inlined. */
export function promptOnly(content: string): string {
  const at = content.indexOf('\n\n<file name="');
  return at < 0 ? content : content.slice(0, at);
}

/** The sentence that tells the member how much of their file the model saw. */
export function fileNote(filename: string, file: TextFile): string | undefined {
  if (!file.cutBy) return undefined;
  const n = (v: number) => v.toLocaleString('en-US');
  const why = file.cutBy === 'setting' ? 'the limit for files here' : "what fits in the model's context";
  return `Only the first ${n(file.usedChars)} of ${n(file.totalChars)} characters of ${filename} were sent (${why}).`;
}
