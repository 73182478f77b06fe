/**
 * 费用协查 (JS 56, HN 76, LN 77): the insured area may query a stay whose settled total reaches
 * 30,000 yuan. Its settlements are kept in one register for staff, with every field the insured
 * area may ask about.
 */
import type { EnvelopeSettings } from '../../adapters/platform/envelope.js';
import type { Store } from '../store/store.js';
import type { Admission, InpatientSettlement } from './admission.js';
import { Decimal } from './money.js';

export const AUDIT_THRESHOLD = new Decimal(30000);

/** What the insured area may query about a settlement of ≥ 30,000 yuan (费用协查: JS 56, HN 76, LN 77). */
export interface AuditRecord {
  setl_id: string;
  admission_id: string;
  mdtrt_id: string;
  psn_no: string;
  insuplc_admdvs: string;
  certno: string;
  psn_name: string;
  gend: string;
  fixmedins_code: string;
  fixmedins_name: string;
  ipt_no: string;
  invono?: string;
  begntime: string;
  endtime?: string;
  medfee_sumamt: string;
  stay_total: string;
  mid_setl_flag: string;
  settled_at: string;
  status: 'booked' | 'cancelled';
}

/** The staff list of settlements marked for 费用协查, one document updated by compare-and-set. */
export interface AuditRegister {
  id: string;
  kind: 'audit_register';
  entries: AuditRecord[];
}
export const AUDIT_REGISTER_ID = 'audit-register:inpatient';

/** The register's entry for settlement `s` of the stay `a` (its own total, and the stay's so far). */
export function auditRecord(
  a: Admission,
  s: InpatientSettlement,
  total: Decimal,
  stayTotal: Decimal,
  hospital: Pick<EnvelopeSettings, 'fixmedins_code' | 'fixmedins_name'>,
): AuditRecord {
  return {
    setl_id: s.setl_id,
    admission_id: a.id,
    mdtrt_id: a.facts.mdtrt_id ?? '',
    psn_no: a.facts.psn_no,
    insuplc_admdvs: a.insuplc_admdvs,
    certno: a.person.certno,
    psn_name: a.person.psn_name,
    gend: a.person.gend,
    fixmedins_code: hospital.fixmedins_code,
    fixmedins_name: hospital.fixmedins_name,
    ipt_no: a.facts.ipt_no,
    invono: s.invono,
    begntime: a.facts.begntime,
    endtime: a.facts.endtime,
    medfee_sumamt: total.toFixed(2),
    stay_total: stayTotal.toFixed(2),
    mid_setl_flag: s.mid_setl_flag,
    settled_at: s.settled_at,
    status: 'booked',
  };
}

/** The audit register is one document, updated by compare-and-set like an encounter. */
export async function updateAuditRegister(store: Store, change: (entries: AuditRecord[]) => void) {
  for (;;) {
    const cur = await store.getEncounter<AuditRegister>(AUDIT_REGISTER_ID);
    const next: AuditRegister = structuredClone(cur?.value ?? { id: AUDIT_REGISTER_ID, kind: 'audit_register', entries: [] });
    change(next.entries);
    if (await store.saveEncounter(next, cur?.version ?? null)) return;
  }
}

/** Settlements marked for 费用协查, newest first, with every field the insured area may query. */
export async function auditList(store: Store, status?: string) {
  const reg = await store.getEncounter<AuditRegister>(AUDIT_REGISTER_ID);
  const entries = [...(reg?.value.entries ?? [])].reverse().filter((e) => !status || e.status === status);
  // amounts are decimal strings at rest, numbers with two decimals on the wire (money-json.ts)
  const settlements = entries.map((e) => ({ ...e, medfee_sumamt: new Decimal(e.medfee_sumamt), stay_total: new Decimal(e.stay_total) }));
  return { threshold: AUDIT_THRESHOLD, count: entries.length, settlements };
}
