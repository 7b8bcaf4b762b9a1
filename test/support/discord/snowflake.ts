// Ids shaped like Discord's snowflakes (creation time in the high bits), so discord.js's
// `createdTimestamp` and id ordering behave as they do against Discord.
const DISCORD_EPOCH = 1420070400000n;

export class Snowflakes {
  private last = 0n;

  next(): string {
    const fromClock = ((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (1n << 17n);
    this.last = fromClock > this.last ? fromClock : this.last + 1n;
    return this.last.toString();
  }
}
