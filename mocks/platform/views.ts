/** Wire shapes of the replies: Decimal → JSON number, records → the interface's field names. */
import { toWireNumber } from './money.js';
import { ageOn, formatDate } from './time.js';
import type { Filing, FundDetail, LedgerEntry, LineClassification, PersonRecord, SettlementAmounts } from './types.js';

export function baseinfoView(person: PersonRecord, now: Date): Record<string, unknown> {
  return {
    psn_no: person.psn_no,
    psn_cert_type: person.psn_cert_type,
    certno: person.certno,
    psn_name: person.psn_name,
    gend: person.gend,
    naty: person.naty,
    brdy: person.brdy,
    age: ageOn(person.brdy, formatDate(now)),
  };
}

export function insuinfoView(person: PersonRecord): Record<string, unknown> {
  return {
    balc: toWireNumber(person.balance),
    insutype: person.insutype,
    psn_type: person.psn_type,
    psn_insu_stas: '1',
    psn_insu_date: person.psn_insu_date,
    cvlserv_flag: person.cvlserv_flag,
    insuplc_admdvs: person.insuplc_admdvs,
    emp_name: person.emp_name,
  };
}

export function fileinfoView(person: PersonRecord): Array<Record<string, unknown>> {
  return person.filings.map((f: Filing) => ({
    file_type: f.file_type,
    insuplc_admdvs: person.insuplc_admdvs,
    mdtrtarea_admvs: f.mdtrtarea_admvs,
    begndate: f.begndate,
    enddate: f.enddate,
  }));
}

export function lineResultView(feedetlSn: string, c: LineClassification): Record<string, unknown> {
  return {
    feedetl_sn: feedetlSn,
    det_item_fee_sumamt: toWireNumber(c.det_item_fee_sumamt),
    cnt: toWireNumber(c.cnt, 4),
    pric: toWireNumber(c.pric, 6),
    // the schema wants a number here; 0 = no price cap in the catalogue
    pric_uplmt_amt: c.pric_uplmt_amt === null ? 0 : toWireNumber(c.pric_uplmt_amt),
    selfpay_prop: toWireNumber(c.selfpay_prop, 4),
    fulamt_ownpay_amt: toWireNumber(c.fulamt_ownpay_amt),
    overlmt_amt: toWireNumber(c.overlmt_amt),
    preselfpay_amt: toWireNumber(c.preselfpay_amt),
    inscp_scp_amt: toWireNumber(c.inscp_scp_amt),
    chrgitm_lv: c.chrgitm_lv,
    med_chrgitm_type: c.med_chrgitm_type,
    lmt_used_flag: '0',
  };
}

export function amountsView(amounts: SettlementAmounts): Record<string, number> {
  const view: Record<string, number> = {};
  for (const [key, value] of Object.entries(amounts)) {
    view[key] = toWireNumber(value, key === 'pool_prop_selfpay' ? 4 : 2);
  }
  return view;
}

export function setldetailView(rows: readonly FundDetail[]): Array<Record<string, unknown>> {
  return rows.map((row) => ({
    fund_pay_type: row.fund_pay_type,
    fund_pay_type_name: row.fund_pay_type_name,
    inscp_scp_amt: toWireNumber(row.inscp_scp_amt),
    crt_payb_lmt_amt: toWireNumber(row.crt_payb_lmt_amt),
    fund_payamt: toWireNumber(row.fund_payamt),
  }));
}

/** A ledger entry as JSON (amounts as numbers) for the control API. */
export function ledgerEntryView(entry: LedgerEntry): Record<string, unknown> {
  return {
    ...entry,
    amounts: amountsView(entry.amounts),
    setldetail: setldetailView(entry.setldetail),
    adjusted: entry.adjusted === null ? null : amountsView(entry.adjusted),
    adjustments: entry.adjustments.map((a) => ({
      refund_setl_id: a.refund_setl_id,
      act_pay_dedc_delta: toWireNumber(a.act_pay_dedc_delta),
      fund_pay_delta: toWireNumber(a.fund_pay_delta),
    })),
  };
}

/** A person with current balance, accumulations and filings, for the control API. */
export function personView(person: PersonRecord): Record<string, unknown> {
  const { seed_balance, balance, accumulations, ...rest } = person;
  return {
    ...rest,
    seed_balance: toWireNumber(seed_balance),
    balance: toWireNumber(balance),
    accumulations: Object.fromEntries(
      [...accumulations].map(([year, acc]) => [
        String(year),
        { dedc_used: toWireNumber(acc.dedc_used), pool_paid: toWireNumber(acc.pool_paid) },
      ]),
    ),
  };
}
