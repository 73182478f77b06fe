/**
 * 发送方报文ID (msgid): institution code (12) + yyyyMMddHHmmss + 4-digit sequence = 30 characters.
 * The sequence comes from a durable, shared counter (the store), so two requests in the same second
 * never collide — not across concurrent requests, not across a restart, not across replicas that
 * share one Redis. Numbers are taken from the counter in blocks of BLOCK per second and handed out
 * from memory: one store write per block instead of one per message (issue 11 — each write is a
 * commit the request waits for). A block a process did not use up is skipped, never reused: the
 * counter already moved past it; a second holds 9,999 numbers, so a few replicas each skipping up
 * to BLOCK − 1 of them a second cannot run it out.
 */
export interface SequenceSource {
  /** Atomically adds `count` (default 1) to the counter `name` and returns it; forgets it after ttlSeconds. */
  nextSequence(name: string, ttlSeconds: number, count?: number): Promise<number>;
}

/** msgid numbers reserved per store write */
export const BLOCK = 16;
const MAX_SEQ = 9999;

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

  /** the numbers of the current second not yet handed out: next..last */
  private block = { stamp: '', next: 1, last: 0 };
  /** the reservation under way for a second, shared by the calls that wait for it */
  private reserving: { stamp: string; done: Promise<void> } | undefined;

  async next(): Promise<string> {
    for (;;) {
      const stamp = compactTimestamp(this.clock.now(), this.offsetMinutes);
      const b = this.block;
      if (b.stamp === stamp && b.next <= b.last) return `${this.fixmedinsCode}${stamp}${pad(b.next++, 4)}`;
      if (b.stamp !== stamp || b.last < MAX_SEQ) {
        await this.reserve(stamp);
        continue;
      }
      // 10,000 messages in one second: wait for the next second rather than reuse a number.
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private reserve(stamp: string): Promise<void> {
    if (this.reserving?.stamp === stamp) return this.reserving.done;
    const done = this.sequences
      .nextSequence(`msgid:${stamp}`, 120, BLOCK)
      .then((last) => {
        const first = last - BLOCK + 1;
        if (first <= MAX_SEQ && (this.block.stamp !== stamp || this.block.next > this.block.last)) {
          this.block = { stamp, next: first, last: Math.min(last, MAX_SEQ) };
        } else if (first > MAX_SEQ) this.block = { stamp, next: MAX_SEQ + 1, last: MAX_SEQ };
      })
      .finally(() => {
        if (this.reserving?.done === done) this.reserving = undefined;
      });
    this.reserving = { stamp, done };
    return done;
  }
}
