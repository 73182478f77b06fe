/** The person and filing registry (人员与异地备案), seeded from data/persons.json. */
import personsData from './data/persons.json' with { type: 'json' };
import { dec, ZERO } from './money.js';
import { addMonths, datePart } from './time.js';
import type { Filing, PersonRecord, PersonSeed, YearAccumulation } from './types.js';

const PERSON_SEEDS: readonly PersonSeed[] = personsData.persons;

/** Temporary filings last 6 months (JS 10/13, HN 13/14, LN 11). */
const TEMPORARY_FILING_MONTHS = 6;
/** Filing categories: 1 异地安置退休, 2 异地长期居住, 3 常驻异地工作, 4 转诊, 5 急诊抢救, 6 其他临时外出.
 * An auto-filing province files as 6 其他临时外出 (LN 20-22). */
export const AUTO_FILING_TYPE = '6';

export type PersonRegistry = Map<string, PersonRecord>;

function personFromSeed(seed: PersonSeed): PersonRecord {
  const { balance, filings, ...rest } = seed;
  return {
    ...structuredClone(rest),
    seed_balance: dec(balance),
    balance: dec(balance),
    filings: filings.map((f) => ({ ...f })),
    accumulations: new Map(),
  };
}

export function seedRegistry(): PersonRegistry {
  return new Map(PERSON_SEEDS.map((seed) => [seed.psn_no, personFromSeed(seed)]));
}

export type CredentialLookup = { person: PersonRecord } | { error: string };

function matchesCredential(person: PersonRecord, certType: string, certNo: string): boolean {
  switch (certType) {
    case '01':
      return person.credentials.ecard_token === certNo;
    case '02':
      return person.certno === certNo;
    case '03':
      return person.credentials.social_card_no === certNo;
    default:
      return false;
  }
}

/** 01 e-voucher token, 02 ID number, 03 social security card number (+ card_sn when `requireCardSn`). */
export function findByCredential(
  registry: PersonRegistry,
  certType: string,
  certNo: string,
  cardSn: string | undefined,
  requireCardSn: boolean,
): CredentialLookup {
  if (!['01', '02', '03'].includes(certType)) return { error: `就诊凭证类型错误: ${certType}` };
  if (certType === '03' && requireCardSn && !cardSn) return { error: '社会保障卡就诊时卡识别码(card_sn)不能为空' };
  const person = [...registry.values()].find((p) => matchesCredential(p, certType, certNo));
  if (!person) return { error: '未查询到参保人员信息' };
  if (certType === '03' && cardSn && person.credentials.card_sn !== cardSn) return { error: '社会保障卡卡识别码不符' };
  return { person };
}

export function accumulationFor(person: PersonRecord, year: number): YearAccumulation {
  return person.accumulations.get(year) ?? { dedc_used: ZERO, pool_paid: ZERO };
}

export function isCrossRegion(person: PersonRecord, treatmentArea: string): boolean {
  return person.insuplc_admdvs !== treatmentArea;
}

/** A filing covers the treatment area when it names it exactly, or names its province (xx0000). */
function coversArea(filing: Filing, treatmentArea: string): boolean {
  if (filing.mdtrtarea_admvs === treatmentArea) return true;
  return filing.mdtrtarea_admvs.endsWith('0000') && filing.mdtrtarea_admvs.slice(0, 2) === treatmentArea.slice(0, 2);
}

function validOn(filing: Filing, date: string): boolean {
  const begins = datePart(filing.begndate);
  const ends = filing.enddate === null ? null : datePart(filing.enddate);
  return begins <= date && (ends === null || date <= ends);
}

/** The filing valid for the treatment area on `date` (yyyy-MM-dd), if any. */
export function validFilingOn(person: PersonRecord, treatmentArea: string, date: string): Filing | undefined {
  return person.filings.find((f) => coversArea(f, treatmentArea) && validOn(f, date));
}

/** Files the person as temporary (其他临时外出, 6 months from `begndate`) for the treatment area. */
export function autoFileTemporary(person: PersonRecord, treatmentArea: string, begndate: string): Filing {
  const filing: Filing = {
    file_type: AUTO_FILING_TYPE,
    mdtrtarea_admvs: treatmentArea,
    begndate,
    enddate: addMonths(begndate, TEMPORARY_FILING_MONTHS),
  };
  person.filings.push(filing);
  return filing;
}
