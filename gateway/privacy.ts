import type { Store, TransactionRecord } from './store/store.js';

/**
 * Personal data (个人信息), in one place (issue 13): the field list that pino redacts in log lines,
 * that the console and GET /v1/transactions/{id} mask for staff, and the text redaction of what the
 * platform (or the HIS) says in free text, which no field list can reach.
 *
 * The list is checked against the schemas (test/privacy.test.ts): every property of
 * schemas/platform/*.json and schemas/api/*.json whose title or name says it is personal (PERSONAL_RULE)
 * must be here, so a new schema field cannot slip through.
 */

/**
 * Field names whose values identify a person or let one act as them: names (patient, contact,
 * agent, signer, and the clinicians and operators named on a message), ID and credential numbers,
 * card ids, phone numbers, addresses, photos, birth dates, and the tokens and secrets of the
 * gateway's own calls. psn_no (人员编号, the platform's pseudonymous person number), mdtrt_id,
 * setl_id, ipt_no and medrcdno are not here: they are the business keys staff search by.
 */
export const PERSONAL_FIELDS: readonly string[] = [
  // the insured person (参保人)
  'psn_name',
  'certno',
  'mdtrt_cert_no',
  'card_sn',
  'brdy',
  'emp_name',
  'fpsc_no',
  // contacts (联系人) and phones, addresses
  'coner_name',
  'coner_tel',
  'tel',
  'phone',
  'mob',
  'conn_tel',
  'addr',
  // an agent acting for the patient (代办人)
  'agnter_name',
  'agnter_certno',
  'agnter_tel',
  'agnter_addr',
  'agnter_photo',
  // who signs a commitment (承诺人) or a form
  'signer_name',
  'signer_certno',
  'signer_tel',
  'physician',
  // clinicians and operators named on a message (a name is a name)
  'dr_name',
  'bilg_dr_name',
  'chfpdr_name',
  'dise_dor_name',
  'orders_dr_name',
  'opter_name',
  'stamped_by',
  // credentials and secrets
  'authorization',
  'x-api-key',
  'x-tif-signature',
  // named staff (issue 15): a password, the session cookie and its CSRF token
  'password',
  'password_hash',
  'cookie',
  'set-cookie',
  'csrf_token',
  'x-csrf-token',
  'secret',
  'token',
  'ec_token',
  'cainfo',
  'sign_no',
  'dev_safe_info',
];

export const PERSONAL_FIELD_SET: ReadonlySet<string> = new Set(PERSONAL_FIELDS);

/**
 * The documented rule a schema property is personal by (test/privacy.test.ts walks every schema
 * with it): its title names a name, an ID/credential/certificate number, a card, a phone or a
 * contact, an address, a signature or photo, a birth date; or its name looks like one.
 * Types of credential (证件类型) are codes, not personal; a terminal's IP or MAC address (签到IP地址)
 * is the hospital's machine, not a person's address.
 */
export const PERSONAL_RULE = {
  notTitle: /IP地址|MAC地址/gi,
  title: /姓名|证件号|证号|身份证|凭证编号|卡号|卡识别码|电话|手机|联系|住址|地址|签名|签字|照片|出生日期|签到编号/,
  name: /(^|_)(certno|cert_no|tel|phone|mob|addr|photo|card_sn|token|sign_no|cainfo)$|(^|_)(psn|coner|agnter|signer|dr|dor|opter)_name$/,
};

// ---- masking for staff (console, GET /v1/transactions/{id}) ---------------------------------

/** First and last character kept, so staff can tell two values apart without reading either. */
export function maskValue(s: string): string {
  return s.length <= 2 ? '*'.repeat(s.length) : `${s[0]}${'*'.repeat(Math.max(1, s.length - 2))}${s[s.length - 1]}`;
}

/**
 * Free-text fields: the platform's words (err_msg, warn_msg ...) and the HIS's (memo, reasons,
 * descriptions). No field list reaches into them; redactText does, in staff views and log lines.
 */
export const FREE_TEXT_FIELDS: ReadonlySet<string> = new Set([
  'err_msg',
  'warn_msg',
  'platform_err_msg',
  'last_error',
  'setl_proc_info',
  'fail_rea',
  'stmt_rslt_dscr',
  'memo',
  'reason',
  'injury_cause',
  'injury_place',
  'main_cond_dscr',
  'adm_diag_dscr',
]);

/**
 * Every value under a personal field is masked, however deep; free text is redacted (redactText,
 * with the `known` names and numbers of the person); anything else is walked.
 */
export function maskPersonal(v: unknown, known: readonly string[] = []): unknown {
  if (Array.isArray(v)) return v.map((x) => maskPersonal(x, known));
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [
        k,
        PERSONAL_FIELD_SET.has(k)
          ? maskAll(x)
          : FREE_TEXT_FIELDS.has(k) && typeof x === 'string'
            ? redactText(x, known)
            : maskPersonal(x, known),
      ]),
    );
  }
  return v;
}

function maskAll(v: unknown): unknown {
  if (typeof v === 'string') return maskValue(v);
  if (typeof v === 'number' || typeof v === 'bigint') return maskValue(String(v));
  if (Array.isArray(v)) return v.map(maskAll);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskAll(x)]));
  return v;
}

/**
 * The values of personal fields anywhere in `v` (a journal record's stages, an encounter): the
 * names and credential numbers of the encounter at hand, for redactText. Short values (a one- or
 * two-character fragment) are left out, they would eat ordinary words.
 */
export function personalValues(...vs: unknown[]): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, personal: boolean, depth: number) => {
    if (depth > 12 || v === null || v === undefined) return;
    if (typeof v === 'string' || typeof v === 'number') {
      const s = String(v).trim();
      if (personal && s.length >= 2) out.add(s);
      return;
    }
    if (Array.isArray(v)) for (const x of v) walk(x, personal, depth + 1);
    else if (typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, personal || PERSONAL_FIELD_SET.has(k), depth + 1);
  };
  for (const v of vs) walk(v, false, 0);
  return [...out];
}

/**
 * The names and credential numbers the gateway holds for the person of `t`: its own stages, its
 * encounter, and the person lookups (1101) of the same visit or person, whose replies carry the
 * name and ID number a message of a visit opened by e-voucher does not. Read only where platform
 * text is about to be logged or shown (a reversal attempt, an inquiry, a staff view), never per
 * request: a lookup that finds nothing walks the succeeded part of the journal.
 */
export async function knownPersonalValues(
  store: Pick<Store, 'getEncounter' | 'listTransactions'>,
  t: TransactionRecord,
  /** reads an archived record's stages back (store/archive.ts) */
  restore: (r: TransactionRecord) => TransactionRecord = (r) => r,
): Promise<string[]> {
  const found: unknown[] = [restore(t).stages];
  try {
    if (t.encounter_id) found.push((await store.getEncounter(t.encounter_id))?.value);
    for (const name of ['ipt_otp_no', 'psn_no'] as const) {
      const value = t.keys[name];
      if (!value) continue;
      const lookups = await store.listTransactions({ outcome: 'succeeded', infno: '1101', key: { name, value }, limit: 3 });
      found.push(...lookups.map((x) => restore(x).stages));
      if (lookups.length) break;
    }
  } catch {
    // the patterns of redactText still apply; a store hiccup must not stop a log line
  }
  return personalValues(...found);
}

// ---- free text (platform err_msg / warn_msg, HIS free text) -----------------------------------

/**
 * A run of digits (an 18-character ID may end in X) that is not part of a longer code of letters
 * and digits (a msgid, a request id, a psn_no of 20 digits stays as it is).
 */
const DIGIT_RUN = /(?<![0-9A-Za-z])\d[\d\s-]*\d[Xx]?(?![0-9A-Za-z])/g;

function classify(run: string): string | undefined {
  const compact = run.replace(/[\s-]/g, '');
  // spaces and dashes are only tolerated inside a phone or card number, never to glue two numbers together
  if (compact !== run && !/^1[3-9]\d{9}$|^\d{12,19}$/.test(compact)) return undefined;
  if (/^\d{17}[\dXx]$/.test(compact)) return '[redacted id]';
  if (/[Xx]$/.test(compact)) return undefined;
  if (/^\d{15}$/.test(compact)) return '[redacted id]';
  if (/^1[3-9]\d{9}$/.test(compact)) return '[redacted phone]';
  if (/^\d{12,19}$/.test(compact)) return '[redacted number]';
  return undefined;
}

/**
 * Untrusted free text made fit for a log line (and for staff, see README "Personal data"): 18- and
 * 15-digit ID numbers (身份证号), mobile numbers (1[3-9]xxxxxxxxx), bank- or card-like runs of 12–19
 * digits, and the `known` values of the encounter at hand (its names, credential numbers, card ids:
 * personalValues()) are replaced by a placeholder. The rest of the platform's words stay, they are
 * what staff and operators need.
 */
export function redactText(s: string, known?: readonly string[]): string;
export function redactText(s: string | undefined, known?: readonly string[]): string | undefined;
export function redactText(s: string | undefined, known: readonly string[] = []): string | undefined {
  if (typeof s !== 'string' || s === '') return s;
  let out = s;
  // longest first, so a full name goes before a part of it
  for (const k of [...known].filter((x) => x.length >= 2).sort((a, b) => b.length - a.length)) {
    if (out.includes(k)) out = out.split(k).join('[redacted]');
  }
  return out.replace(DIGIT_RUN, (run) => classify(run) ?? run).replace(NAMED, (_m, marker: string) => `${marker}[redacted]`);
}

/**
 * A name as the platform words it when it is not one the gateway knows: 2–4 Chinese characters
 * (or a name with ·) right after 参保人/患者/姓名/联系人/代办人/承诺人 and before a bracket,
 * punctuation or the end (参保人吉长青(…)信息核验失败). Known values catch the rest.
 */
const NAMED =
  /(参保人员?|患者|病人|姓名[:：]?|联系人|代办人|承诺人)(?!\[redacted|身份|信息|证件|凭证|编号|类型|状态|参保|待遇|账户|已|未|不|无|的|在|为|是|与|和|及)[\u4e00-\u9fa5·]{2,4}(?=[(（[【,，。；;:：\s]|$|的|信息|身份|证件|凭证)/g;

/** An error as a log line may carry it: code and a redacted message, never a body. */
export function errForLog(e: unknown, known: readonly string[] = []): { message?: string; code?: string; name?: string } {
  const x = e as { message?: unknown; code?: unknown; name?: unknown } | undefined;
  return {
    name: typeof x?.name === 'string' ? x.name : undefined,
    code: typeof x?.code === 'string' ? x.code : undefined,
    message: typeof x?.message === 'string' ? redactText(x.message, known) : undefined,
  };
}
