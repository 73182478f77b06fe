/** Synthetic patients of the mock platform (mocks/platform/data/persons.json) and request builders. */
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
  return {
    ...cred,
    ipt_otp_no: uniq('MZ'),
    begntime: '2026-11-23 09:00:00',
    atddr_no: 'D440300000001',
    dr_name: '王医生',
    dept_code: 'A03',
    dept_name: '内科门诊',
    caty: 'A03',
    emergency: false,
    ...extra,
  };
}

export function diagnosesBody(med_type = '11') {
  return {
    med_type,
    main_cond_dscr: '咳嗽三天',
    diagnoses: [
      {
        diag_type: '1',
        diag_srt_no: 1,
        diag_code: 'J06.900',
        diag_name: '急性上呼吸道感染',
        diag_dept: '内科门诊',
        dise_dor_no: 'D440300000001',
        dise_dor_name: '王医生',
        diag_time: '2026-11-23 09:10:00',
      },
    ],
  };
}

export function line(
  feedetl_sn: string,
  med_list_codg: string,
  cnt: number | string,
  pric: number | string,
  extra: Record<string, unknown> = {},
) {
  return {
    feedetl_sn,
    fee_ocur_time: '2026-11-23 09:20:00',
    med_list_codg,
    medins_list_codg: `H-${med_list_codg.slice(0, 10)}`,
    cnt,
    pric,
    bilg_dept_codg: 'A03',
    bilg_dept_name: '内科门诊',
    bilg_dr_codg: 'D440300000001',
    bilg_dr_name: '王医生',
    ...extra,
  };
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
