/**
 * The files of reconciliation (对账, 3202 via 9101 / 9102): the detail file the gateway uploads, byte
 * for byte, and the result file it reads — from fixtures written by another zip producer (Python's
 * zipfile) to the layouts of the public sources — and what it refuses.
 */
import { readFileSync } from 'node:fs';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { buildDetailFile, DEFAULT_DETAIL_FORMAT } from '../gateway/engine/reconciliation/detail-file.js';
import type { ReconEntry } from '../gateway/engine/reconciliation/gateway-side.js';
import { readResultFile, ResultFileError } from '../gateway/engine/reconciliation/result-file.js';
import { Decimal } from '../gateway/engine/money.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/reconciliation/${name}`, import.meta.url)));
const LIMITS = { maxZipBytes: 1024 * 1024, maxTextBytes: 1024 * 1024, maxRows: 1000 };

function entry(over: Partial<ReconEntry>): ReconEntry {
  return {
    setl_id: 'S1',
    mdtrt_id: 'M1',
    psn_no: '22000000000000000001',
    msgid: 'H440305000012026112310000000001',
    infno: '2207',
    refd_setl_flag: '0',
    setl_time: '2026-11-23 10:00:00',
    day: '2026-11-23',
    insutype: '310',
    clr_type: '11',
    setl_optins: '220100',
    medfee_sumamt: new Decimal('20.00'),
    fund_pay_sumamt: new Decimal('12.00'),
    acct_pay: new Decimal('0.00'),
    cash_payamt: new Decimal('8.00'),
    funds: {},
    ...over,
  };
}

// a settlement, and (later the same day) its cancellation: refd_setl_flag 1, negative amounts (nhis-web NationalInsuChkMapper)
const settled = entry({});
const cancelled = entry({
  setl_id: 'S2',
  infno: '2208',
  refd_setl_flag: '1',
  setl_time: '2026-11-23 15:30:00',
  medfee_sumamt: new Decimal('-20.00'),
  fund_pay_sumamt: new Decimal('-12.00'),
  acct_pay: new Decimal('0.00'),
  cash_payamt: new Decimal('-8.00'),
});
const pair = { setl_optins: '220100', clr_type: '11' };
const at = new Date('2026-11-24T16:30:05Z');

describe('the detail file (3202 file:detail_line, uploaded with 9101)', () => {
  it("by default (the sources' majority): 7 TAB-separated columns, no trailing TAB, CRLF between lines, none after the last; a zip of one txt named like it", () => {
    // given in file order the other way round: the file is in settlement-time order
    const f = buildDetailFile([cancelled, settled], pair, DEFAULT_DETAIL_FORMAT, at, 480);
    const expected = Buffer.from(
      'S1\tM1\t22000000000000000001\t20.00\t12.00\t0.00\t0\r\nS2\tM1\t22000000000000000001\t-20.00\t-12.00\t0.00\t1',
      'utf8',
    );
    expect(Buffer.from(f.txt).equals(expected)).toBe(true);
    // named by the upload time in China time (00:30:05 on the 25th) and the pair; 9101's filename with .zip
    expect(f.entry).toBe('20261125003005_11_220100.txt');
    expect(f.filename).toBe('20261125003005_11_220100.zip');
    const unzipped = unzipSync(f.zip);
    expect(Object.keys(unzipped)).toEqual([f.entry]);
    expect(Buffer.from(unzipped[f.entry]!).equals(expected)).toBe(true);
    // the zip's first local header names that entry (PK\x03\x04, name at offset 30)
    const z = Buffer.from(f.zip);
    expect(z.readUInt32LE(0)).toBe(0x04034b50);
    expect(z.subarray(30, 30 + z.readUInt16LE(26)).toString('utf8')).toBe(f.entry);
    // 3202's totals are the rows written: 2 rows, net 0.00 (the refund counts on its day, LN 53)
    expect(f.count).toBe(2);
    expect(f.sums).toEqual({ medfee_sumamt: '0.00', fund_pay_sumamt: '0.00', acct_pay: '0.00', cash_payamt: '0.00' });
  });

  it('the settings where the sources disagree: a trailing TAB (nhis-web), LF (zsba), no .zip suffix (openhis)', () => {
    const f = buildDetailFile([settled, cancelled], pair, { trailingTab: true, lineBreak: 'lf', zipSuffix: false }, at, 480);
    expect(Buffer.from(f.txt).toString('utf8')).toBe(
      'S1\tM1\t22000000000000000001\t20.00\t12.00\t0.00\t0\t\nS2\tM1\t22000000000000000001\t-20.00\t-12.00\t0.00\t1\t',
    );
    expect(f.filename).toBe('20261125003005_11_220100');
  });

  it('a day with nothing to list is an empty txt, still zipped', () => {
    const f = buildDetailFile([], pair, DEFAULT_DETAIL_FORMAT, at, 480);
    expect(f.txt.length).toBe(0);
    expect(Object.values(unzipSync(f.zip))[0]!.length).toBe(0);
    expect(f.count).toBe(0);
  });
});

describe('the result file (3202 file:result_line, fetched with 9102)', () => {
  it('reads nhis-web\'s layout: BOM, CRLF, "null" as empty, columns psn_no … stmt_rslt, refd_setl_flag, memo, the centre\'s amounts', () => {
    const { entry: name, rows } = readResultFile(fixture('result-nhis-web.zip'), 'stmt_rslt_first', LIMITS);
    expect(name).toBe('result.txt');
    expect(rows).toHaveLength(4);
    expect(rows[0]).toEqual({
      psn_no: '22000000000000000001',
      mdtrt_id: '440301202611230930000000000041',
      setl_id: '440302202611231000000000000042',
      msgid: 'H440305000012026112310000000001',
      stmt_rslt: '1',
      refd_setl_flag: '0',
      memo: '医药机构无此结算',
      medfee_sumamt: '20.00',
      fund_pay_sumamt: '12.00',
      acct_pay: '0.00',
    });
    // 医药机构多: no msgid, no centre amounts ("null")
    expect(rows[1]).toEqual({
      psn_no: '22000000000000000001',
      mdtrt_id: '440301202611231100000000000043',
      setl_id: '440302202611231105000000000044',
      stmt_rslt: '2',
      refd_setl_flag: '0',
      memo: '中心无此结算',
    });
    expect(rows[2]).toMatchObject({
      stmt_rslt: '3',
      refd_setl_flag: '1',
      medfee_sumamt: '-35.50',
      fund_pay_sumamt: '-21.30',
      acct_pay: '-2.00',
    });
    expect(rows[3]!.stmt_rslt).toBe('0');
  });

  it("reads openhis's layout with RECON_RESULT_COLUMNS=refd_setl_flag_first: a folder in the zip, seven columns, LF, a trailing TAB", () => {
    const { entry: name, rows } = readResultFile(fixture('result-openhis-folder.zip'), 'refd_setl_flag_first', LIMITS);
    expect(name).toBe('scmxdz/scmxdz.txt');
    expect(rows).toEqual([
      {
        psn_no: '22000000000000000001',
        mdtrt_id: '440301202611230930000000000041',
        setl_id: '440302202611231000000000000042',
        msgid: 'H440305000012026112310000000001',
        stmt_rslt: '1',
        refd_setl_flag: '0',
      },
    ]);
  });

  const refused = (bytes: Uint8Array, limits = LIMITS) => {
    try {
      readResultFile(bytes, 'stmt_rslt_first', limits);
    } catch (e) {
      expect(e).toBeInstanceOf(ResultFileError);
      return (e as ResultFileError).why;
    }
    throw new Error('the file was read');
  };

  it('refuses what is not such a file, saying why: not a zip, damaged, no single txt, a line of the wrong shape, not UTF-8', () => {
    expect(refused(strToU8('{"infcode":-1,"err_msg":"文件不存在"}'))).toMatch(/not a zip/);
    expect(refused(fixture('result-nhis-web.zip').subarray(0, 80))).toMatch(/damaged|cut off/);
    expect(refused(zipSync({ 'a.txt': strToU8(''), 'b.txt': strToU8('') }))).toMatch(/2 \.txt files/);
    expect(refused(zipSync({ 'result.csv': strToU8('') }))).toMatch(/0 \.txt files/);
    expect(refused(zipSync({ 'result.txt': strToU8('P\tM\tS\tX\t9\t0\tnull\t1\t1\t1') }))).toMatch(/line 1: stmt_rslt/);
    expect(refused(zipSync({ 'result.txt': strToU8('P\tM\tS') }))).toMatch(/line 1 has 3 columns/);
    expect(refused(zipSync({ 'result.txt': strToU8('P\tM\tS\tX\t1\t0\tnull\tabc\t1\t1') }))).toMatch(/amount is not a number/);
    expect(refused(zipSync({ 'result.txt': new Uint8Array([0xc3, 0x28]) }))).toMatch(/not UTF-8/);
  });

  it('stops unzipping at the size limit: a zip bomb (a few KB that unzip to 64 MiB) is refused, not expanded', () => {
    const bomb = zipSync({ 'result.txt': new Uint8Array(64 * 1024 * 1024) }, { level: 9 });
    expect(bomb.length).toBeLessThan(LIMITS.maxZipBytes);
    expect(refused(bomb)).toMatch(/unzips to more than the limit of 1048576 bytes/);
    expect(refused(bomb, { ...LIMITS, maxZipBytes: 1000 })).toMatch(/more than the limit of 1000/);
  });
});
