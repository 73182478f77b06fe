import type { FeesUploadRequest } from '../generated/api/fees-upload.request.js';
import type { TransactionRecord } from '../store/store.js';
import type { EncounterRunner } from './encounter-runner.js';
import { classifyAll, toFeeLine, unsettled } from './fee-lines.js';
import { type InquiryPlan, inquiryPlan, settlementInquiry } from './inquiries.js';
import { ALL_BATCHES, EMERGENCY_MED_TYPE, type OutpatientVisit } from './visit.js';

/**
 * The outpatient visit's side of resolution by inquiry (engine/inquiries.ts): the facts an inquiry
 * needs, and how the visit takes the platform's answer. The reversal worker calls these through the
 * service's hooks (server.ts).
 */
export class OutpatientInquiries {
  constructor(private readonly runner: EncounterRunner<OutpatientVisit>) {}

  /** Inquiry hook (reversal worker): how to find out what became of an unknown write of the visit. */
  async plan(transaction: TransactionRecord): Promise<InquiryPlan | undefined> {
    const v = transaction.encounter_id ? await this.runner.load(transaction.encounter_id) : undefined;
    if (!v) return undefined;
    const f = v.value.facts;
    return inquiryPlan(transaction, {
      psn_no: f.psn_no,
      mdtrt_id: f.mdtrt_id,
      begntime: f.begntime,
      med_type: f.med_type,
      ipt_otp_no: f.ipt_otp_no,
      default_med_type: f.emergency ? EMERGENCY_MED_TYPE : '11',
      cancelled_lines: transaction.infno === '2205' ? withdrawn(v.value, batchOf(transaction)).map((l) => l.feedetl_sn) : undefined,
    });
  }

  /** Reversal hook: how to confirm that a 2207 the 2601 found nothing of booked nothing (5204: are its lines settled?). */
  async bookingPlan(transaction: TransactionRecord): Promise<InquiryPlan | undefined> {
    if (transaction.infno !== '2207' || !transaction.encounter_id) return undefined;
    const v = (await this.runner.load(transaction.encounter_id))?.value;
    if (!v?.facts.mdtrt_id) return undefined;
    const f = v.facts;
    return settlementInquiry(
      { psn_no: f.psn_no, mdtrt_id: f.mdtrt_id, begntime: f.begntime, default_med_type: '11' },
      unsettled(v.lines).map((l) => l.feedetl_sn),
      v.settlements.map((s) => s.setl_id),
    );
  }

  /**
   * Inquiry hook: the platform's answer on an unknown write of the visit (resolution done /
   * not_done). A registration it holds is adopted with its mdtrt_id; one it does not hold failed, and
   * the HIS may register the 门诊号 again. Fee lines it holds are taken with its classification.
   * Whatever it does not hold did not happen: the HIS sends it again.
   */
  async adopt(transaction: TransactionRecord) {
    const r = transaction.resolution;
    const done = r?.state === 'done';
    const learned = r?.learned ?? {};
    if (transaction.infno === '2201') {
      const mdtrt_id = done ? learned.mdtrt_id : undefined;
      return this.runner.release(
        transaction,
        (v) => {
          v.status = mdtrt_id ? 'registered' : 'registration_failed';
          if (mdtrt_id) v.facts.mdtrt_id = mdtrt_id;
        },
        mdtrt_id ? { mdtrt_id } : undefined,
      );
    }
    return this.runner.release(transaction, (v) => {
      if (!done) return;
      if (transaction.infno === '2202') v.status = 'cancelled';
      if (transaction.infno === '2205') {
        const gone = new Set(withdrawn(v, batchOf(transaction)).map((l) => l.feedetl_sn));
        v.lines = v.lines.filter((l) => !gone.has(l.feedetl_sn));
      }
      if (transaction.infno === '2204') {
        const req = transaction.stages.his_input as FeesUploadRequest;
        v.lines.push(
          ...classifyAll(
            req.lines.map((l) => toFeeLine(req.chrg_bchno, l)),
            learned.lines ?? [],
          ),
        );
      }
    });
  }
}

/** The lines a 2205 of `chrg_bchno` withdraws: the unsettled ones of that batch ("0000": of every batch). */
export function withdrawn(v: OutpatientVisit, chrg_bchno: string) {
  return v.lines.filter((l) => l.setl_id === undefined && (chrg_bchno === ALL_BATCHES || l.chrg_bchno === chrg_bchno));
}

const batchOf = (t: TransactionRecord) =>
  String((t.stages.message as { data?: { chrg_bchno?: unknown } } | undefined)?.data?.chrg_bchno ?? '');
