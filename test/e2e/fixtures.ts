/** Synthetic patients of the mock platform (mocks/platform/data/persons.json) and request builders. */
import { visitFields } from '../helpers/bodies.js';

export { diagnosesBody, EMERGENCY_CRITERION, line } from '../helpers/bodies.js';
export const JILIN = {
  psn_no: '22000000000000000001',
  psn_name: '吉长青',
  certno: '220100198003150001',
  token: 'EVT22000000000000000001A1B2C3D4',
  card_no: 'JL0000001',
  card_sn: '220100D156000005000000000000A001',
};
export const JILIN_UNFILED = {
  psn_no: '22000000000000000002',
  psn_name: '吉未备',
  certno: '220100197511020002',
  token: 'EVT22000000000000000002E5F6A7B8',
};
export const JIANGSU = {
  psn_no: '32000000000000000003',
  psn_name: '苏转诊',
  certno: '320100198812080003',
  token: 'EVT32000000000000000003C9D0E1F2',
  card_no: 'JS0000003',
};

let seq = 0;
export const uniq = (p: string) => `${p}${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase().slice(0, 30);

export function visitBody(cred: { mdtrt_cert_type: string; mdtrt_cert_no: string; card_sn?: string }, extra: Record<string, unknown> = {}) {
  return { ...cred, ipt_otp_no: uniq('MZ'), ...visitFields('2026-11-23 09:00:00'), ...extra };
}

export const CODES = {
  consult: '001102000010000', // 诊查费 甲类, price cap 20.00
  atorvastatin: 'XC10AAA020A001010104433', // 乙类 10 %
  ct: '002103000010000', // 乙类 10 %, price cap 150.00
  amoxicillin: 'XJ01CAA040A001010100000', // 甲类
  cosmetic: '003114000050000', // 丙类
  lianhua: 'ZA01AAL0137010103212', // 乙类 20 %
  bloodcount: '002501010010000', // 甲类, cap 25.00
  cefixime: 'XJ01DDA096A001010203981', // 乙类 10 %
};

/** The self-pay data of a registered visit `v` (JL 22, HN 17: the upload names its visit): one 20.00 consultation line. */
export function selfPayUploadBody(
  v: { visit_id: string; psn_no: string; insuplc_admdvs: string; ipt_otp_no: string },
  extra: Record<string, unknown> = {},
) {
  return {
    encounter_id: v.visit_id,
    psn_no: v.psn_no,
    insuplc_admdvs: v.insuplc_admdvs,
    ipt_otp_no: v.ipt_otp_no,
    med_type: '11',
    begntime: '2026-11-23 09:00:00',
    setl_time: '2026-11-23 09:40:00',
    medfee_sumamt: '20.00',
    fail_rea: '医保平台中断，患者全自费结算',
    invono: uniq('INV').slice(0, 20),
    lines: [
      {
        feedetl_sn: '1',
        fee_ocur_time: '2026-11-23 09:20:00',
        med_list_codg: CODES.consult,
        medins_list_codg: 'H-C',
        cnt: 1,
        pric: '20.00',
      },
    ],
    ...extra,
  };
}
