// /hub status is assembled from what each feature reports about itself.
export interface StatusLine {
  name: string;
  value: string;
}

export type StatusProvider = (guildId: string | null) => StatusLine[] | Promise<StatusLine[]>;

export class StatusRegistry {
  private readonly providers: StatusProvider[] = [];

  add(provider: StatusProvider): void {
    this.providers.push(provider);
  }

  async collect(guildId: string | null): Promise<StatusLine[]> {
    const lines: StatusLine[] = [];
    for (const provider of this.providers) {
      try {
        lines.push(...(await provider(guildId)));
      } catch (error) {
        lines.push({ name: 'status error', value: (error as Error).message.slice(0, 200) });
      }
    }
    return lines;
  }
}
