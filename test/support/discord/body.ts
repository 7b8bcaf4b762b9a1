// Request bodies as discord.js sends them: JSON, or multipart/form-data with `payload_json`
// and `files[n]` when there are attachments.
import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.ts';

export interface UploadedFile {
  /** n of the `files[n]` field. */
  index: number;
  name: string;
  contentType?: string;
  data: Buffer;
}

export interface ParsedBody {
  json: unknown;
  files: UploadedFile[];
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function parseBody(req: IncomingMessage): Promise<ParsedBody> {
  const raw = await readAll(req);
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { json: undefined, files: [] };
  if (type.startsWith('multipart/form-data')) return parseMultipart(raw, type);
  try {
    return { json: JSON.parse(raw.toString('utf8')), files: [] };
  } catch {
    throw new ApiError(400, 50109, 'The request body contains invalid JSON.');
  }
}

async function parseMultipart(raw: Buffer, contentType: string): Promise<ParsedBody> {
  // undici's Request parses multipart already; Node 20 ships it as the global fetch.
  const form = await new Request('http://emulator.local/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: raw,
  }).formData();
  let json: unknown = {};
  const files: UploadedFile[] = [];
  for (const [key, value] of form.entries()) {
    if (key === 'payload_json' && typeof value === 'string') {
      json = JSON.parse(value);
      continue;
    }
    const match = /^files\[(\d+)\]$/.exec(key) ?? /^file(\d*)$/.exec(key);
    if (match && typeof value !== 'string') {
      files.push({
        index: Number(match[1] || 0),
        name: value.name,
        contentType: value.type || undefined,
        data: Buffer.from(await value.arrayBuffer()),
      });
    }
  }
  return { json, files };
}
