/**
 * The mock's inquiries over real HTTP, answered from what it holds: 5201 (visits and stays, as
 * 2201/2202/2203 and 2401/2402/2403/2404/2405 leave them), 5203 (settlement and refund records),
 * 5204 (fee lines).
 */
import { describe, expect, it } from 'vitest';
import type { CallOptions, MockClient } from '../mocks/platform/client.js';
import { mockWithClient } from './helpers/mock-client.js';
import * as inputs from '../mocks/platform/sample-inputs.js';

type Json = Record<string, any>;

/** 2026-11-20 10:00:00 China time. */
const NOW = new Date('2026-11-20T02:00:00Z');
const P = { psn_no: '22000000000000000001', area: '220100', token: 'EVT22000000000000000001A1B2C3D4' };
const OTHER = { psn_no: '32000000000000000003', area: '320100', token: 'EVT32000000000000000003C9D0E1F2' };
const AS_P: CallOptions = { insuplc: P.area };

let client: MockClient<Json>;

const ok = (infno: string, input: object, opts: CallOptions = AS_P) => client.callOk(infno, input, opts);
const visits = async (query: Json = {}) => (await ok('5201', { data: { psn_no: P.psn_no, ...query } })).mdtrtinfo as Json[];
const settlementOf = (query: Json) => ok('5203', { data: { psn_no: P.psn_no, ...query } });
const linesOf = async (mdtrtId: string, setlId?: string) =>
  (await ok('5204', { data: { psn_no: P.psn_no, mdtrt_id: mdtrtId, ...(setlId ? { setl_id: setlId } : {}) } })).feedetail as Json[];

async function register(iptOtpNo: string): Promise<string> {
  return (await ok('2201', inputs.registration(P.psn_no, P.token, iptOtpNo))).data.mdtrt_id as string;
}

/** 2201 → 2203 → 2204 (two 甲类 lines, 37.00 + 50.00 in batch B001 / B002) → 2207 (87.00, no account). */
async function settledVisit(iptOtpNo: string, msgid?: string) {
  const mdtrtId = await register(iptOtpNo);
  await ok('2203', inputs.visitInfo(mdtrtId, P.psn_no, '11'));
  const lines = [
    { sn: 'L1', code: inputs.CODES.amoxicillin, cnt: 2, pric: 18.5, det: 37 },
    { sn: 'L2', code: inputs.CODES.metformin, cnt: 2, pric: 25, det: 50, batch: 'B002' },
  ];
  await ok('2204', inputs.feeUpload(mdtrtId, P.psn_no, lines));
  const settled = await ok('2207', inputs.settleInScope(mdtrtId, P.psn_no, P.token, 87, '0'), { ...AS_P, ...(msgid ? { msgid } : {}) });
  return { mdtrtId, setlId: settled.setlinfo.setl_id as string, setlinfo: settled.setlinfo as Json };
}

mockWithClient<Json>(
  () => NOW,
  (c) => {
    client = c;
  },
);

describe('5201 就诊信息查询', () => {
  it('lists a registration after 2201, completes it after 2203, and drops it after 2202', async () => {
    expect(await visits()).toEqual([]);
    const mdtrtId = await register('MZ-1');
    const [visit] = await visits();
    expect(visit).toMatchObject({
      mdtrt_id: mdtrtId,
      psn_no: P.psn_no,
      psn_name: '吉长青',
      insutype: '310',
      insu_optins: '220100',
      begntime: '2026-11-20 09:30:00',
      endtime: '2026-11-20 09:30:00',
      mdtrt_cert_type: '01',
      ipt_otp_no: 'MZ-1',
      atddr_no: 'D440300000001',
    });
    expect(visit!.med_type).toBeUndefined(); // not known before 2203

    await ok('2203', inputs.visitInfo(mdtrtId, P.psn_no, '11'));
    expect((await visits())[0]).toMatchObject({ mdtrt_id: mdtrtId, med_type: '11', dise_codg: 'I10.x00', dise_name: '高血压' });

    await ok('2202', { data: { psn_no: P.psn_no, mdtrt_id: mdtrtId, ipt_otp_no: 'MZ-1' } });
    expect(await visits()).toEqual([]);
    expect(await visits({ mdtrt_id: mdtrtId })).toEqual([]);
  });

  it('filters by mdtrt_id, begntime / endtime and med_type, and shows only the person asked for', async () => {
    const a = await register('MZ-A');
    const b = await register('MZ-B');
    await ok('2203', inputs.visitInfo(b, P.psn_no, '13'));
    await ok('2201', inputs.registration(OTHER.psn_no, OTHER.token, 'MZ-O'), { insuplc: OTHER.area });
    expect((await visits()).map((v) => v.mdtrt_id)).toEqual([a, b]);
    expect((await visits({ mdtrt_id: b })).map((v) => v.mdtrt_id)).toEqual([b]);
    // a: med_type not known yet, so it matches any med_type
    expect((await visits({ med_type: '11' })).map((v) => v.mdtrt_id)).toEqual([a]);
    expect((await visits({ med_type: '13' })).map((v) => v.mdtrt_id)).toEqual([a, b]);
    expect(await visits({ begntime: '2026-11-20 09:31:00' })).toEqual([]);
    expect(await visits({ endtime: '2026-11-20 09:29:59' })).toEqual([]);
    expect(await visits({ begntime: '2026-11-20 00:00:00', endtime: '2026-11-20 23:59:59' })).toHaveLength(2);
  });

  it('shows a stay from 2401, its discharge after 2402, none after 2405, and drops it after 2404', async () => {
    const out = await ok('2401', inputs.admission(P.psn_no, P.token, 'ZY-1'));
    const mdtrtId = out.result.mdtrt_id as string;
    const [stay] = await visits();
    expect(stay).toMatchObject({
      mdtrt_id: mdtrtId,
      med_type: '21',
      ipt_otp_no: 'ZY-1',
      begntime: '2026-11-10 08:00:00',
      adm_dept_codg: 'A04',
      adm_bed: '12',
      dscg_maindiag_code: 'K35.900',
    });
    expect(stay!.endtime).toBeUndefined();

    await ok('2402', inputs.discharge(mdtrtId, P.psn_no, '2026-11-19 10:00:00'));
    expect((await visits())[0]).toMatchObject({
      endtime: '2026-11-19 10:00:00',
      ipt_days: 9,
      dscg_dept_codg: 'A04',
      dscg_dept_name: '普外科',
      dscg_way: '1',
    });

    await ok('2405', { data: { mdtrt_id: mdtrtId, psn_no: P.psn_no } });
    const undone = (await visits())[0]!;
    expect(undone.mdtrt_id).toBe(mdtrtId);
    for (const field of ['endtime', 'ipt_days', 'dscg_dept_codg', 'dscg_way']) expect(undone[field]).toBeUndefined();

    await ok('2404', { data: { mdtrt_id: mdtrtId, psn_no: P.psn_no } });
    expect(await visits()).toEqual([]);
  });

  it("lists a pharmacy sale's 就诊 while the sale stands, and not after its 2601 reversal", async () => {
    const msgid = client.nextMsgid();
    const sale = await ok(
      '2102',
      inputs.pharmacyPurchase(P.psn_no, P.token, [{ sn: 'D1', code: inputs.CODES.amoxicillin, cnt: 1, pric: 18.5, det: 18.5 }]),
      {
        ...AS_P,
        msgid,
      },
    );
    const mdtrtId = sale.setlinfo.mdtrt_id as string;
    expect(await visits()).toEqual([expect.objectContaining({ mdtrt_id: mdtrtId, med_type: '41', begntime: '2026-11-20 09:30:00' })]);
    expect((await linesOf(mdtrtId)).map((l) => [l.feedetl_sn, l.setl_id])).toEqual([['D1', sale.setlinfo.setl_id]]);
    await ok('2601', { data: { psn_no: P.psn_no, omsgid: msgid, oinfno: '2102' } });
    expect(await visits()).toEqual([]);
    expect(await linesOf(mdtrtId)).toEqual([]);
  });
});

describe('5203 结算信息查询', () => {
  it('finds a settlement by mdtrt_id or setl_id, with the msgid that booked it and the 5203 spellings', async () => {
    const msgid = client.nextMsgid();
    const { mdtrtId, setlId, setlinfo } = await settledVisit('MZ-S', msgid);
    const byVisit = await settlementOf({ mdtrt_id: mdtrtId });
    expect(byVisit.setlinfo).toMatchObject({
      setl_id: setlId,
      mdtrt_id: mdtrtId,
      psn_no: P.psn_no,
      psn_name: '吉长青',
      insutype: '310',
      fixmedins_code: 'H44030500001',
      begndate: '2026-11-20',
      enddate: '2026-11-20',
      setl_time: '2026-11-20 10:00:00',
      mdtrt_cert_type: '01',
      med_type: '11',
      clr_type: '11',
      clr_optins: '220100',
      medfee_sumamt: 87,
      fund_pay_sumamt: setlinfo.fund_pay_sumamt,
      psn_pay: setlinfo.psn_part_amt,
      acct_pay: 0,
      cash_payamt: setlinfo.psn_cash_pay,
      balc: setlinfo.balc,
      medins_setl_id: msgid,
      refd_setl_flag: '0',
      year: '2026',
    });
    expect(byVisit.setldetail).toEqual([expect.objectContaining({ fund_pay_type: '310100', fund_payamt: setlinfo.hifp_pay })]);
    expect(await settlementOf({ setl_id: setlId })).toEqual(byVisit);
    expect(await settlementOf({ setl_id: setlId, mdtrt_id: mdtrtId })).toEqual(byVisit);
  });

  it('shows the refund after 2208 as a record of its own (refd_setl_flag 1); nothing held is setlinfo null', async () => {
    const { mdtrtId, setlId } = await settledVisit('MZ-R');
    expect(await settlementOf({ mdtrt_id: 'nothing-here' })).toEqual({ setlinfo: null, setldetail: [] });
    const cancelMsgid = client.nextMsgid();
    const cancelled = await ok('2208', { data: { setl_id: setlId, mdtrt_id: mdtrtId, psn_no: P.psn_no } }, { ...AS_P, msgid: cancelMsgid });
    const refund = (await settlementOf({ mdtrt_id: mdtrtId })).setlinfo as Json;
    expect(refund).toMatchObject({
      setl_id: cancelled.setlinfo.setl_id,
      medfee_sumamt: -87,
      medins_setl_id: cancelMsgid,
      refd_setl_flag: '1',
      clr_type: '11',
    });
    expect((await settlementOf({ setl_id: setlId })).setlinfo).toMatchObject({ setl_id: setlId, refd_setl_flag: '0', medfee_sumamt: 87 });
    // another person's visit is not shown
    expect(await ok('5203', { data: { psn_no: OTHER.psn_no, mdtrt_id: mdtrtId } }, { insuplc: OTHER.area })).toEqual({
      setlinfo: null,
      setldetail: [],
    });
  });

  it('does not show a settlement reversed by 2601', async () => {
    const msgid = client.nextMsgid();
    const { mdtrtId, setlId } = await settledVisit('MZ-V', msgid);
    await ok('2601', { data: { psn_no: P.psn_no, omsgid: msgid, oinfno: '2207' } });
    expect(await settlementOf({ mdtrt_id: mdtrtId })).toEqual({ setlinfo: null, setldetail: [] });
    expect(await settlementOf({ setl_id: setlId })).toEqual({ setlinfo: null, setldetail: [] });
  });

  it('shows an inpatient settlement with the stay dates and clr_type 21', async () => {
    const mdtrtId = (await ok('2401', inputs.admission(P.psn_no, P.token, 'ZY-S'))).result.mdtrt_id as string;
    await ok('2301', inputs.inpatientFees(mdtrtId, P.psn_no, [{ sn: 'I1', code: inputs.CODES.bed, cnt: 9, pric: 50, det: 450 }]));
    await ok('2402', inputs.discharge(mdtrtId, P.psn_no));
    const settled = await ok('2304', inputs.inpatientSettlement(mdtrtId, P.psn_no, P.token, 450));
    expect((await settlementOf({ mdtrt_id: mdtrtId })).setlinfo).toMatchObject({
      setl_id: settled.setlinfo.setl_id,
      begndate: '2026-11-10',
      enddate: '2026-11-19',
      med_type: '21',
      clr_type: '21',
      medfee_sumamt: 450,
      refd_setl_flag: '0',
    });
  });

  it('needs setl_id or mdtrt_id', async () => {
    const reply = await client.call('5203', { data: { psn_no: P.psn_no } }, AS_P);
    expect(reply).toMatchObject({ infcode: -2, output: null });
    expect(reply.err_msg).toMatch(/^报文校验失败/);
  });
});

describe('5204 费用明细查询', () => {
  it('lists the lines with what the HIS uploaded, the setl_id that covers them, and follows 2205', async () => {
    const mdtrtId = await register('MZ-F');
    await ok('2204', inputs.feeUpload(mdtrtId, P.psn_no, [{ sn: 'F1', code: inputs.CODES.amoxicillin, cnt: 2, pric: 18.5, det: 37 }]));
    await ok(
      '2204',
      inputs.feeUpload(mdtrtId, P.psn_no, [{ sn: 'F2', code: inputs.CODES.laser, cnt: 1, pric: 260, det: 260, batch: 'B009' }]),
    );
    const lines = await linesOf(mdtrtId);
    expect(lines.map((l) => l.feedetl_sn)).toEqual(['F1', 'F2']);
    expect(lines[0]).toMatchObject({
      mdtrt_id: mdtrtId,
      feedetl_sn: 'F1',
      fee_ocur_time: '2026-11-20 09:50:00',
      cnt: 2,
      pric: 18.5,
      det_item_fee_sumamt: 37,
      inscp_scp_amt: 37,
      chrgitm_lv: '1',
      med_list_codg: inputs.CODES.amoxicillin,
      hilist_code: inputs.CODES.amoxicillin,
      medins_list_codg: `HIS-${inputs.CODES.amoxicillin}`,
      bilg_dr_codg: 'D440300000001',
      hosp_appr_flag: '1',
    });
    expect(lines[0]!.setl_id).toBeUndefined();
    expect(lines[1]).toMatchObject({ feedetl_sn: 'F2', fulamt_ownpay_amt: 260, chrgitm_lv: '3' });

    await ok('2205', { data: { mdtrt_id: mdtrtId, chrg_bchno: 'B009', psn_no: P.psn_no } });
    expect((await linesOf(mdtrtId)).map((l) => l.feedetl_sn)).toEqual(['F1']);

    const settled = await ok('2207', inputs.settleInScope(mdtrtId, P.psn_no, P.token, 37, '0'));
    const setlId = settled.setlinfo.setl_id as string;
    expect((await linesOf(mdtrtId)).map((l) => [l.feedetl_sn, l.setl_id, l.med_type])).toEqual([['F1', setlId, undefined]]);
    expect(await linesOf(mdtrtId, setlId)).toHaveLength(1);
    expect(await linesOf(mdtrtId, 'another-setl-id')).toEqual([]);
  });

  it("lists a stay's lines with the outside-test flags, and nothing for an unknown or cancelled visit", async () => {
    const mdtrtId = (await ok('2401', inputs.admission(P.psn_no, P.token, 'ZY-F'))).result.mdtrt_id as string;
    const upload = inputs.inpatientFees(mdtrtId, P.psn_no, [{ sn: 'I1', code: inputs.CODES.ct, cnt: 1, pric: 160, det: 160 }]) as Json;
    upload.feedetail[0].etip_flag = '1';
    upload.feedetail[0].etip_hosp_code = 'H44030500002';
    await ok('2301', upload);
    expect(await linesOf(mdtrtId)).toEqual([
      expect.objectContaining({ feedetl_sn: 'I1', med_type: '21', etip_flag: '1', etip_hosp_code: 'H44030500002', overlmt_amt: 10 }),
    ]);
    expect(await linesOf('no-such-visit')).toEqual([]);
    const visit = await register('MZ-X');
    await ok('2204', inputs.feeUpload(visit, P.psn_no, [{ sn: 'X1', code: inputs.CODES.amoxicillin, cnt: 1, pric: 1, det: 1 }]));
    await ok('2202', { data: { psn_no: P.psn_no, mdtrt_id: visit, ipt_otp_no: 'MZ-X' } });
    expect(await linesOf(visit)).toEqual([]);
  });
});
