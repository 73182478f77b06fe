import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../gateway/logger.js';
import { projectPath } from '../gateway/paths.js';
import { maskPersonal, PERSONAL_FIELD_SET, PERSONAL_FIELDS, PERSONAL_RULE, personalValues, redactText } from '../gateway/privacy.js';
import { LogCapture } from './helpers/harness.js';

interface Occurrence {
  name: string;
  title: string;
  /** the property names above it (a `name` inside `physician` is masked with its parent) */
  under: string[];
  file: string;
}

/** Every property of every schema file, with its title (or description) and where it sits. */
function schemaProperties(): Occurrence[] {
  const out: Occurrence[] = [];
  const walk = (n: unknown, under: string[], file: string) => {
    if (Array.isArray(n)) {
      for (const x of n) walk(x, under, file);
      return;
    }
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    for (const [k, v] of Object.entries(o)) {
      if (k === 'properties' && v && typeof v === 'object') {
        for (const [name, p] of Object.entries(v as Record<string, { title?: string; description?: string }>)) {
          out.push({ name, title: [p?.title, p?.description].filter((t) => typeof t === 'string').join(' / '), under, file });
          walk(p, [...under, name], file);
        }
      } else walk(v, under, file);
    }
  };
  for (const dir of ['schemas/platform', 'schemas/api']) {
    for (const f of readdirSync(projectPath(dir)).filter((x) => x.endsWith('.json'))) {
      walk(JSON.parse(readFileSync(projectPath(dir, f), 'utf8')), [], `${dir}/${f}`);
    }
  }
  return out;
}

/** the field's label: a title's Chinese name, before any explanation (": 01 医保电子凭证, 02 居民身份证 ..." lists codes) */
const label = (t: string) =>
  t
    .split(' / ')
    .map((x) => x.split(/[;:：(（,]/)[0])
    .join(' / ');
const isPersonal = (o: Occurrence) =>
  PERSONAL_RULE.name.test(o.name) || PERSONAL_RULE.title.test(label(o.title).replace(PERSONAL_RULE.notTitle, ''));

describe('the one list of personal fields (gateway/privacy.ts)', () => {
  const props = schemaProperties();
  const personal = [...new Set(props.filter(isPersonal).map((o) => o.name))];

  it('covers every personal property of the platform and API schemas, by the documented rule', () => {
    expect(new Set(props.map((o) => o.name)).size).toBeGreaterThan(200); // the walk really read the schemas
    // the rule finds the fields the findings named, so it is not vacuous
    for (const f of ['psn_name', 'certno', 'mdtrt_cert_no', 'card_sn', 'tel', 'coner_name', 'agnter_certno', 'signer_tel'])
      expect(personal, f).toContain(f);
    const missing = props
      .filter((o) => isPersonal(o) && ![o.name, ...o.under].some((k) => PERSONAL_FIELD_SET.has(k)))
      .map((o) => `${o.name} (${o.title}, ${o.file})`);
    expect(missing, `personal by title or name but not in PERSONAL_FIELDS: ${missing.join(', ')}`).toEqual([]);
  });

  it('masks every personal schema field for staff, however deep, and leaves the rest', () => {
    for (const o of props.filter(isPersonal)) {
      const f = o.name;
      const secret = 'S3CRET-VALUE-4711';
      // as it sits in its schema (under its parents), in a message and at the top
      const placed = o.under.reduceRight<Record<string, unknown>>((acc, k) => ({ [k]: acc }), { [f]: secret });
      const top = PERSONAL_FIELD_SET.has(f) ? { [f]: { x: secret } } : {};
      const masked = JSON.stringify(maskPersonal({ input: { data: [placed], med_type: '11' }, ...top }));
      expect(masked, f).not.toContain(secret);
      expect(masked).toContain('"med_type":"11"');
    }
    expect(maskPersonal({ tel: 13912345678 })).toEqual({ tel: '1*********8' });
  });

  it('redacts every personal schema field in log lines', () => {
    const logs = new LogCapture();
    const logger = createLogger('info', logs);
    for (const f of PERSONAL_FIELDS) logger.info({ [f]: 'S3CRET-VALUE-4711', a: { b: { [f]: 'S3CRET-VALUE-4711' } } }, 'x');
    expect(logs.lines.length).toBe(PERSONAL_FIELDS.length);
    expect(logs.text).not.toContain('S3CRET-VALUE-4711');
  });
});

describe('redactText: untrusted free text', () => {
  it('replaces ID numbers, mobile numbers and card-like runs, keeps the rest of the words', () => {
    expect(redactText('冲正失败：参保人(220100198003150001)信息核验失败')).toBe('冲正失败：参保人([redacted id])信息核验失败');
    expect(redactText('身份证22010019800315000X不符')).toBe('身份证[redacted id]不符');
    expect(redactText('旧证220100800315001')).toBe('旧证[redacted id]');
    expect(redactText('联系电话13912345678，或 139 1234 5678、139-1234-5678')).toBe(
      '联系电话[redacted phone]，或 [redacted phone]、[redacted phone]',
    );
    expect(redactText('银行卡6222021234567890123')).toBe('银行卡[redacted number]');
    // codes the operator needs stay: msgids (30), psn_no (20), dates, amounts, infcodes
    const keep = '原交易H22010100001202612011000000001不存在 psn_no 22000000000000000001 2026-12-01 09:00:00 金额20.00 infcode -2';
    expect(redactText(keep)).toBe(keep);
  });

  it('replaces the names and credential numbers of the encounter at hand', () => {
    const known = personalValues({
      message: { mdtrtinfo: { psn_name: '吉长青', mdtrt_cert_no: 'EVT22000000000000000001A1B2C3D4', med_type: '11' } },
    });
    expect(known).toEqual(['吉长青', 'EVT22000000000000000001A1B2C3D4']);
    expect(redactText('参保人吉长青凭证EVT22000000000000000001A1B2C3D4无效', known)).toBe('参保人[redacted]凭证[redacted]无效');
    expect(redactText(undefined, known)).toBeUndefined();
  });

  it('is applied by the logger to whatever is logged under err and error', () => {
    const logs = new LogCapture();
    const logger = createLogger('info', logs);
    logger.warn({ error: '冲正失败：220100198003150001' }, 'a');
    logger.error({ err: new Error('电话13912345678') }, 'b');
    expect(logs.text).not.toMatch(/220100198003150001|13912345678/);
    expect(logs.text).toContain('[redacted id]');
  });

  it('censors every listed field at any depth of a log line, also inside an error, and leaves the rest as it was', () => {
    const logs = new LogCapture();
    const logger = createLogger('info', logs);
    const deep = { a: { b: { c: { d: { e: { f: { psn_name: '吉长青' } } } } } } };
    const input = { infno: '2207', lines: [{ certno: '220100198003150001', fee: 20 }], deep };
    logger.info(input, 'nested');
    const err = Object.assign(new Error('failed'), { details: { mdtrt_cert_no: 'EVT22000000000000000001A1B2C3D4' } });
    logger.error({ err, transaction_id: 'T1' }, 'with error');
    expect(logs.text).not.toMatch(/吉长青|220100198003150001|EVT22000000000000000001/);
    const [first, second] = logs.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(first).toMatchObject({ infno: '2207', lines: [{ certno: '[redacted]', fee: 20 }] });
    expect(first.deep.a.b.c.d.e.f.psn_name).toBe('[redacted]');
    expect(second).toMatchObject({ transaction_id: 'T1', err: { message: 'failed', details: { mdtrt_cert_no: '[redacted]' } } });
    // the caller's object is not changed
    expect(input.lines[0]!.certno).toBe('220100198003150001');
  });
});
