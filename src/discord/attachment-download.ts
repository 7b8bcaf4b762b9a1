// Reads a member's attachment from Discord's CDN in two steps: its first bytes (enough to tell
// an image or a binary file) before the interaction is acknowledged, so a wrong file is refused
// privately at once; the rest afterwards, bounded in size and time.
import { UserError } from '../errors.ts';

export class AttachmentDownload {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;
  private done = false;

  private constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly filename: string,
    private readonly controller: AbortController,
    private timer: NodeJS.Timeout,
    private readonly restMs: number,
  ) {}

  /**
   * Starts the download. Until the first bytes are in, `headMs` bounds it (the interaction is
   * not acknowledged yet and Discord allows 3 seconds); the rest then has `restMs`.
   */
  static async open(
    url: string,
    filename: string,
    { headMs = 2000, restMs = 15_000 }: { headMs?: number; restMs?: number } = {},
  ): Promise<AttachmentDownload> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), headMs);
    let res: Response;
    try {
      res = await fetch(url, { signal: controller.signal });
    } catch {
      clearTimeout(timer);
      throw new UserError(`Discord did not hand over ${filename} just now. Try again in a minute.`);
    }
    if (!res.ok || !res.body) {
      clearTimeout(timer);
      await res.body?.cancel().catch(() => undefined);
      throw new UserError(`Discord did not hand over ${filename} (${res.status}). Try again in a minute.`);
    }
    return new AttachmentDownload(res.body.getReader(), filename, controller, timer, restMs);
  }

  /** At least `bytes` bytes from the start (fewer when the file is shorter). */
  async head(bytes: number): Promise<Uint8Array> {
    while (!this.done && this.length < bytes) await this.readChunk();
    clearTimeout(this.timer);
    if (!this.done) this.timer = setTimeout(() => this.controller.abort(), this.restMs);
    return this.joined().subarray(0, bytes);
  }

  /** The whole file; refuses one larger than `maxBytes` without reading the rest. */
  async all(maxBytes: number): Promise<Uint8Array> {
    while (!this.done) {
      await this.readChunk();
      if (this.length > maxBytes) {
        this.cancel();
        throw new UserError(`${this.filename} is larger than it said; send a smaller file.`);
      }
    }
    return this.joined();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.done = true;
    void this.reader.cancel().catch(() => undefined);
  }

  private async readChunk(): Promise<void> {
    let result: Awaited<ReturnType<typeof this.reader.read>>;
    try {
      result = await this.reader.read();
    } catch {
      this.done = true;
      clearTimeout(this.timer);
      throw new UserError(`Discord stopped sending ${this.filename}. Try again in a minute.`);
    }
    if (result.done) {
      this.done = true;
      clearTimeout(this.timer);
    } else {
      this.chunks.push(result.value);
      this.length += result.value.length;
    }
  }

  private joined(): Uint8Array {
    if (this.chunks.length !== 1) {
      const all = Buffer.concat(this.chunks);
      this.chunks.length = 0;
      this.chunks.push(all);
    }
    return this.chunks[0] ?? new Uint8Array();
  }
}
