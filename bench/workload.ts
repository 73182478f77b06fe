/**
 * What the bench sends: synthetic patients of the mock platform, an outpatient visit, a fee
 * upload of N lines and a settlement — once as the HIS sends them to the gateway, once as
 * platform inputs for the baseline. The baseline's inputs are built with the gateway's own pure
 * adapter functions (adapters/platform/outpatient-messages.ts), so both sides put the same
 * message on the wire.
 */
import { Decimal } from 'decimal.js';
import type * as msg from '../adapters/platform/outpatient-messages.js';
import type { VisitCreateRequest } from '../gateway/generated/api/visit-create.request.js';
import type { VisitDiagnosesRequest } from '../gateway/generated/api/visit-diagnoses.request.js';
import { diagnosesBody, line, visitFields } from '../test/helpers/bodies.js';

/** Cross-region patients filed for the visit date (mocks/README.md); credential type 02 = certno. */
export const PERSONS = [
  { psn_no: '22000000000000000001', certno: '220100198003150001' }, // Jilin, long-term residence filing
  { psn_no: '32000000000000000003', certno: '320100198812080003' }, // Jiangsu, referral filing
  { psn_no: '43000000000000000005', certno: '430100196507070005' }, // Hunan, temporary filing, insutype 390
] as const;

/** Inside every seeded filing's validity (the mock checks the visit date, not today's); the fee lines are billed at 09:20. */
const VISIT_TIME = '2026-11-23 09:00:00';

export const credential = (i: number) => ({ mdtrt_cert_type: '02', mdtrt_cert_no: PERSONS[i % PERSONS.length]!.certno });

/** A per-run tag so that outpatient numbers never repeat at the mock, which outlives nothing but this run. */
const runTag = Date.now().toString(36).toUpperCase();
let visitSeq = 0;

export function visitRequest(personIndex: number, side: 'G' | 'B' | 'J' | 'M'): VisitCreateRequest {
  return {
    ...credential(personIndex),
    ipt_otp_no: `${side}${runTag}${(visitSeq++).toString(36).toUpperCase()}`.slice(0, 30),
    ...visitFields(VISIT_TIME),
  };
}

/** The e2e suites' diagnoses (test/helpers/bodies.ts): 急性上呼吸道感染, med_type 11. */
export const DIAGNOSES = diagnosesBody() as VisitDiagnosesRequest;

/** A mix of the mock catalogue: 甲类, 乙类 with self-pay shares, price-capped services, 丙类. */
const ITEMS: Array<[code: string, cnt: number, pric: string]> = [
  ['001102000010000', 1, '25.00'], // consultation, over its 20.00 cap
  ['XC10AAA020A001010104433', 2, '38.50'], // atorvastatin, 乙类 10 %
  ['002103000010000', 1, '180.00'], // CT, over its 150.00 cap
  ['XJ01CAA040A001010100000', 3, '12.35'], // amoxicillin, 甲类
  ['003114000050000', 1, '60.00'], // cosmetic, 丙类
  ['ZA01AAL0137010103212', 2, '14.80'], // lianhua, 乙类 20 %
  ['002501010010000', 1, '25.00'], // blood count, at its cap
  ['XJ01DDA096A001010203981', 1, '45.67'], // cefixime, 乙类 10 %
  ['XA10BAE062A001010103213', 2, '8.90'], // metformin, 甲类
  ['XB01ACA056A001010102345', 1, '15.20'], // aspirin, 甲类
];

export interface HisFeeLine {
  feedetl_sn: string;
  fee_ocur_time: string;
  med_list_codg: string;
  medins_list_codg: string;
  cnt: number;
  pric: string;
  bilg_dept_codg: string;
  bilg_dept_name: string;
  bilg_dr_codg: string;
  bilg_dr_name: string;
}

/** n fee lines from ITEMS, as the e2e suites write them (test/helpers/bodies.ts line()). */
export function hisFeeLines(n: number): HisFeeLine[] {
  return Array.from({ length: n }, (_, i) => {
    const [code, cnt, pric] = ITEMS[i % ITEMS.length]!;
    return line(String(i + 1), code, cnt, pric);
  });
}

export const CHRG_BCHNO = 'B1';

export function feeTotal(lines: HisFeeLine[]): string {
  return lines
    .reduce((s, l) => s.plus(new Decimal(l.pric).times(l.cnt).toDecimalPlaces(2, Decimal.ROUND_HALF_UP)), new Decimal(0))
    .toFixed(2);
}

/** The HIS's fee line as the gateway turns it into a platform line (amounts as Decimals, the rest as extra fields). */
export function platformFeeLines(lines: HisFeeLine[]): msg.FeeLine[] {
  return lines.map(({ feedetl_sn, fee_ocur_time, med_list_codg, medins_list_codg, cnt, pric, ...extra }) => ({
    feedetl_sn,
    chrg_bchno: CHRG_BCHNO,
    fee_ocur_time,
    med_list_codg,
    medins_list_codg,
    cnt: new Decimal(cnt),
    pric: new Decimal(pric),
    det_item_fee_sumamt: new Decimal(pric).times(cnt).toDecimalPlaces(2, Decimal.ROUND_HALF_UP),
    extra,
  }));
}

/** The 2204 reply's per-line classification, summed the way the gateway sums it for 2207. */
export function totalsFrom2204(output: Record<string, unknown>, lines: msg.FeeLine[]): msg.SettlementTotals {
  const results = (Array.isArray(output.result) ? output.result : [output.result]) as Array<Record<string, unknown>>;
  const sum = (k: string) => results.reduce((s, r) => s.plus(new Decimal((r?.[k] as Decimal.Value | undefined) ?? 0)), new Decimal(0));
  return {
    medfee_sumamt: lines.reduce((s, l) => s.plus(l.det_item_fee_sumamt), new Decimal(0)),
    fulamt_ownpay_amt: sum('fulamt_ownpay_amt'),
    overlmt_selfpay: sum('overlmt_amt'),
    preselfpay_amt: sum('preselfpay_amt'),
    inscp_scp_amt: sum('inscp_scp_amt'),
  };
}

/** What the baseline knows of a person after its own 1101, as the gateway knows it after lookup. */
export interface BaselinePerson {
  psn_no: string;
  insutype: string;
  insuplc_admdvs: string;
}

export function personFrom1101(output: Record<string, unknown>): BaselinePerson {
  const base = output.baseinfo as { psn_no: string };
  const ins = (Array.isArray(output.insuinfo) ? output.insuinfo[0] : output.insuinfo) as { insutype: string; insuplc_admdvs: string };
  return { psn_no: base.psn_no, insutype: ins.insutype, insuplc_admdvs: ins.insuplc_admdvs };
}

export const SETTLE_OPTIONS: msg.SettleOptions = {
  chrg_bchno: '0000',
  psn_setlway: '01',
  acct_used_flag: '1',
  med_type: DIAGNOSES.med_type,
};

export function visitFacts(req: VisitCreateRequest, p: BaselinePerson, mdtrt_id: string): msg.VisitFacts {
  return {
    psn_no: p.psn_no,
    insutype: p.insutype,
    mdtrt_id,
    ipt_otp_no: req.ipt_otp_no,
    mdtrt_cert_type: req.mdtrt_cert_type,
    mdtrt_cert_no: req.mdtrt_cert_no,
    begntime: req.begntime,
    emergency: req.emergency,
    med_type: DIAGNOSES.med_type,
  };
}

/** The body of the baseline's POST /forward/:infno. */
export const forwardBody = (input: object, insuplc_admdvs?: string) =>
  JSON.stringify(insuplc_admdvs ? { insuplc_admdvs, input } : { input });
