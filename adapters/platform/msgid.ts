/**
 * 发送方报文ID (msgid): institution code (12) + yyyyMMddHHmmss + 4-digit sequence = 30 characters.
 * The sequence comes from a durable, shared counter (the store), so two requests in the same second
 * never collide — not across concurrent requests, not across a restart, not across replicas that
 * share one Redis.
 */
export interface SequenceSource {
  /** Atomically increments and returns the counter `name` (1 on first use); forgets it after ttlSeconds. */
  nextSequence(name: string, ttlSeconds: number): Promise<number>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Wall time in the platform's zone (China has one fixed offset, +08:00, no daylight saving). */
export function zoned(date: Date, offsetMinutes: number): Date {
  return new Date(date.getTime() + offsetMinutes * 60_000);
}

/** yyyyMMddHHmmss */
export function compactTimestamp(date: Date, offsetMinutes: number): string {
  const d = zoned(date, offsetMinutes);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/** yyyy-MM-dd HH:mm:ss, the interface's 日期时间型 */
export function interfaceDateTime(date: Date, offsetMinutes: number): string {
  const d = zoned(date, offsetMinutes);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export class MsgidGenerator {
  constructor(
    private readonly fixmedinsCode: string,
    private readonly sequences: SequenceSource,
    private readonly clock: Clock,
    private readonly offsetMinutes: number,
  ) {
    if (fixmedinsCode.length !== 12) {
      throw new Error(`fixmedins_code must be 12 characters to build a msgid, got ${fixmedinsCode.length}`);
    }
  }

  async next(): Promise<string> {
    for (;;) {
      const stamp = compactTimestamp(this.clock.now(), this.offsetMinutes);
      const seq = await this.sequences.nextSequence(`msgid:${stamp}`, 120);
      if (seq <= 9999) return `${this.fixmedinsCode}${stamp}${pad(seq, 4)}`;
      // 10,000 messages in one second: wait for the next second rather than reuse a number.
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
