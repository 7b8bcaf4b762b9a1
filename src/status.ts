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

  /** Every provider's lines, in the order they were added; the providers' queries run at once. */
  async collect(guildId: string | null): Promise<StatusLine[]> {
    const parts = await Promise.all(
      this.providers.map(async (provider) => {
        try {
          return await provider(guildId);
        } catch (error) {
          return [{ name: 'status error', value: (error as Error).message.slice(0, 200) }];
        }
      }),
    );
    return parts.flat();
  }
}
