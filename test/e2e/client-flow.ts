/**
 * One outpatient flow as an HIS vendor writes it with the generated typed client
 * (clients/typescript): every path, parameter and body below is checked by tsc against the document
 * (test/e2e/typed-client.e2e.test.ts compiles this file on its own and then runs it). Register (2201),
 * diagnoses (2203), fees (2204), pre-settlement (2206), settlement (2207), the slip again, cancel (2208).
 */
import type { YidiClient } from '../../clients/typescript/index.js';
import { line } from '../helpers/bodies.js';
import { CODES, JILIN, uniq } from './fixtures.js';

export interface FlowResult {
  visit_id: string;
  setl_id: string;
  pre_settlement_cash: number;
  settled_total: number;
  slip_total_again: number;
  cancellation_kind: string;
  visit_status_after_settlement: string;
}

function must<T>(step: string, r: { data?: T; error?: unknown; response: Response }): T {
  if (r.data === undefined) throw new Error(`${step}: ${r.response.status} ${JSON.stringify(r.error)}`);
  return r.data;
}

export async function outpatientFlow(yidi: YidiClient): Promise<FlowResult> {
  const key = (step: string) => ({ 'Idempotency-Key': uniq(`client-${step}-`) });
  const reg = must(
    'register',
    await yidi.POST('/v1/outpatient/visits', {
      body: {
        mdtrt_cert_type: '01',
        mdtrt_cert_no: JILIN.token,
        ipt_otp_no: uniq('MZC'),
        begntime: '2026-11-23 09:00:00',
        atddr_no: 'D440300000001',
        dr_name: '王医生',
        dept_code: 'A03',
        dept_name: '内科门诊',
        caty: 'A03',
        emergency: false,
      },
      headers: key('reg'),
    }),
  );
  const id = reg.visit.visit_id;
  const params = { path: { id } };
  must(
    'diagnoses',
    await yidi.POST('/v1/outpatient/visits/{id}/diagnoses', {
      params,
      body: {
        med_type: '11',
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
      },
      headers: key('dx'),
    }),
  );
  const fees = must(
    'fees',
    await yidi.POST('/v1/outpatient/visits/{id}/fees', {
      params,
      body: { chrg_bchno: 'B1', lines: [line('1', CODES.consult, 1, 20), line('2', CODES.amoxicillin, 2, '12.50')] },
      headers: key('fees'),
    }),
  );
  const total = fees.totals.medfee_sumamt;
  const quote = must(
    'pre-settlement',
    await yidi.POST('/v1/outpatient/visits/{id}/pre-settlement', {
      params,
      body: { medfee_sumamt: total, acct_used_flag: '0' },
      headers: key('pre'),
    }),
  );
  const settled = must(
    'settlement',
    await yidi.POST('/v1/outpatient/visits/{id}/settlement', {
      params,
      body: { medfee_sumamt: total, acct_used_flag: '0' },
      headers: key('setl'),
    }),
  );
  const again = must('slip', await yidi.GET('/v1/settlements/{setl_id}', { params: { path: { setl_id: settled.setl_id } } }));
  const visit = must('visit', await yidi.GET('/v1/outpatient/visits/{id}', { params }));
  const cancel = must(
    'cancel',
    await yidi.POST('/v1/settlements/{setl_id}/cancel', {
      params: { path: { setl_id: settled.setl_id } },
      body: { reason: 'fee_error' },
      headers: key('cancel'),
    }),
  );
  return {
    visit_id: id,
    setl_id: settled.setl_id,
    pre_settlement_cash: quote.slip.psn_cash_pay,
    settled_total: settled.slip.medfee_sumamt,
    slip_total_again: again.slip.medfee_sumamt,
    cancellation_kind: cancel.slip.kind,
    visit_status_after_settlement: visit.status,
  };
}
