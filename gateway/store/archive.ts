import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { StoreCipher } from './crypto.js';
import type { ArchivedAt, TransactionRecord } from './store.js';

/** clear archives `journal-<day>.jsonl.gz`, sealed ones `journal-<day>.sealed` (issue 20) */
const ARCHIVE_FILE = /^journal-(\d{4}-\d\d-\d\d)\.(jsonl\.gz|sealed)$/;

/**
 * The journal's archive (issue 11, retention): message bodies (stages) of records older than the
 * hot period leave the hot store for daily files `journal-<YYYY-MM-DD>.jsonl.gz` in a directory of
 * their own. Each batch is one gzip member appended to its day's file and fsynced before the hot
 * records drop their stages; a record keeps where its body went (file, offset, length), so reading
 * one back unzips one batch, never a whole day. gzip files of several members are ordinary gzip
 * (`zcat journal-2026-01-05.jsonl.gz` shows every line); a batch appended twice (a crash between the
 * file and the store) holds the same lines twice, and the reader takes the record's own batch.
 */
/*
 * Sealed (a store key is configured, issue 20): each batch is one line of `journal-<day>.sealed`,
 * the gzip of its JSON lines sealed like the store's values (crypto.ts, purpose `archive:<file>`),
 * so a copied archive directory is as unreadable as a copied store.
 */
export class JournalArchive {
  constructor(
    readonly dir: string,
    private readonly cipher?: StoreCipher,
  ) {}

  /** Appends the bodies of `records` (all of one day) as one batch; resolves once it is on disk. */
  append(day: string, records: TransactionRecord[]): ArchivedAt {
    mkdirSync(this.dir, { recursive: true });
    const file = `journal-${day}.${this.cipher ? 'sealed' : 'jsonl.gz'}`;
    const path = join(this.dir, file);
    const lines = records.map((r) => JSON.stringify({ id: r.id, infno: r.infno, created_at: r.created_at, stages: r.stages })).join('\n');
    const zipped = gzipSync(`${lines}\n`);
    const member = this.cipher ? Buffer.from(`${this.cipher.sealBytes(zipped, `archive:${file}`)}\n`) : zipped;
    const fd = openSync(path, 'a');
    try {
      const offset = statSync(path).size;
      writeSync(fd, member);
      fsyncSync(fd);
      return { file, offset, length: member.length };
    } finally {
      closeSync(fd);
    }
  }

  /** The stages of an archived record, read from its batch (undefined when the file is gone). */
  stagesOf(r: Pick<TransactionRecord, 'id' | 'archived'>): TransactionRecord['stages'] | undefined {
    const a = r.archived;
    if (!a || !ARCHIVE_FILE.test(a.file)) return undefined;
    let fd: number;
    try {
      fd = openSync(join(this.dir, a.file), 'r');
    } catch {
      return undefined;
    }
    try {
      const buf = Buffer.alloc(a.length);
      readSync(fd, buf, 0, a.length, a.offset);
      let zipped: Buffer = buf;
      if (a.file.endsWith('.sealed')) {
        if (!this.cipher) return undefined;
        zipped = this.cipher.openBytes(buf.toString('utf8').trim(), `archive:${a.file}`);
      }
      for (const line of gunzipSync(zipped).toString('utf8').split('\n')) {
        if (!line) continue;
        const v = JSON.parse(line) as { id: string; stages: TransactionRecord['stages'] };
        if (v.id === r.id) return v.stages;
      }
      return undefined;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Retention (issue 20): deletes the archive files of days before `beforeDay` (YYYY-MM-DD) and
   * returns their names. A record whose body was there keeps its keys and outcome in the store and
   * shows without its stages.
   */
  erase(beforeDay: string): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const gone: string[] = [];
    for (const name of names) {
      const day = ARCHIVE_FILE.exec(name)?.[1];
      if (day === undefined || day >= beforeDay) continue;
      rmSync(join(this.dir, name), { force: true });
      gone.push(name);
    }
    return gone;
  }

  /** `r` with its stages, from the archive when they were moved there (what staff see). */
  restore(r: TransactionRecord): TransactionRecord {
    if (!r.archived) return r;
    const stages = this.stagesOf(r);
    return stages ? { ...r, stages } : r;
  }
}
