import { personQuery1101 } from '../../adapters/platform/outpatient-messages.js';
import type { PersonQueryRequest } from '../generated/api/person-query.request.js';
import type { Infno1101Output } from '../generated/platform/1101.output.js';
import { GatewayError } from '../errors/errors.js';
import { Decimal } from './money.js';
import { samePerson } from './encounter-guards.js';
import { filingOn, scopeOf, type FilingRecord, type FilingStatus, type Scope } from './filing.js';
import type { RequestMeta } from './encounter-runner.js';
import type { CounterOperator, IdentityChannel, IdentityRefusals } from './identity-refusals.js';
import type { CallContext, PlatformClient } from './platform-client.js';

/** Where the identity check ran, and who asked (the request and its API client): kept with a refused check. */
export type CounterContext = RequestMeta & { channel: IdentityChannel };

type Credential = Pick<PersonQueryRequest, 'mdtrt_cert_type' | 'mdtrt_cert_no' | 'card_sn' | 'counter_person'> & {
  counter_operator?: CounterOperator;
};

export interface Insurance {
  insutype: string;
  insuplc_admdvs: string;
  psn_type: string;
  psn_insu_stas?: string;
  cvlserv_flag: string;
  balc: number | string;
}

export interface Person {
  psn_no: string;
  psn_name: string;
  psn_cert_type: string;
  certno: string;
  gend: string;
  brdy?: string;
  age?: number | string;
  insurances: Insurance[];
  filings: FilingRecord[];
  transaction_id: string;
}

export interface PersonView {
  person: Omit<Person, 'filings' | 'transaction_id' | 'insurances'> & { insurances: Array<Omit<Insurance, 'balc'> & { balc?: Decimal }> };
  insuplc_admdvs: string;
  scope: Scope;
  cross_region: boolean;
  filing: FilingStatus;
  identity_check: 'matched' | 'not_checked';
  transaction_id: string;
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * 1101 person lookup, and 人卡一致: the person at the counter must be the credential's owner (JS 24,
 * JL 31). A refused check is recorded for the insurance office (identity-refusals.ts) before the
 * refusal is answered.
 */
export class Persons {
  constructor(
    private readonly platform: PlatformClient,
    private readonly mdtrtarea: string,
    private readonly refusals?: IdentityRefusals,
  ) {}

  async lookup(q: Credential, ctx: CallContext, counter?: CounterContext): Promise<Person> {
    const r = await this.platform.call('1101', personQuery1101(q), ctx);
    const out = r.output as unknown as Infno1101Output;
    const base = out.baseinfo as Record<string, unknown>;
    const person: Person = {
      psn_no: String(base.psn_no),
      psn_name: String(base.psn_name),
      // some platforms send an empty 人员证件类型 ("", read as absent)
      psn_cert_type: String(base.psn_cert_type ?? ''),
      certno: String(base.certno),
      gend: String(base.gend),
      brdy: base.brdy as string | undefined,
      age: base.age as number | undefined,
      insurances: asArray(out.insuinfo as Insurance | Insurance[]),
      filings: asArray(out.fileinfo as FilingRecord[] | undefined),
      transaction_id: r.transaction_id,
    };
    const mismatched = identityMismatch(person, q);
    if (mismatched.length) {
      await this.refusals?.record({
        channel: counter?.channel ?? 'person_query',
        client_id: counter?.client_id,
        client_role: counter?.client_role,
        request_id: counter?.request_id ?? ctx.request_id,
        operator: q.counter_operator,
        mismatched_fields: mismatched,
        credential_type: q.mdtrt_cert_type,
        owner: {
          psn_no: person.psn_no,
          psn_name: person.psn_name,
          psn_cert_type: person.psn_cert_type,
          certno: person.certno,
          insuplc_admdvs: person.insurances[0]?.insuplc_admdvs,
        },
        counter_person: { ...q.counter_person },
        ipt_otp_no: ctx.keys?.ipt_otp_no,
        transaction_id: r.transaction_id,
      });
      // Which fields differed, never their values: the details go to the counter and into logs.
      throw new GatewayError('GW_ID_PERSON_CREDENTIAL_MISMATCH', {
        transaction_id: r.transaction_id,
        details: { mismatched_fields: mismatched, recorded: this.refusals !== undefined },
      });
    }
    return person;
  }

  /** `lookup`, where the HIS also named the person (psn_no): the credential must be that person's. */
  async identify(q: Credential, psn_no: string | undefined, ctx: CallContext, counter?: CounterContext): Promise<Person> {
    const person = await this.lookup(q, ctx, counter);
    samePerson(psn_no, person);
    return person;
  }

  /** The insurance to settle under: the one asked for, else the first active one. */
  insuranceOf(p: Person, insutype?: string): Insurance {
    const ins = insutype
      ? p.insurances.find((i) => i.insutype === insutype)
      : (p.insurances.find((i) => (i.psn_insu_stas ?? '1') === '1') ?? p.insurances[0]);
    if (!ins) {
      throw new GatewayError('GW_ID_PERSON_NOT_FOUND', {
        message: insutype ? `The person holds no insurance of type ${insutype}.` : 'The person holds no active insurance.',
        transaction_id: p.transaction_id,
      });
    }
    return ins;
  }

  view(p: Person, date: string, insutype?: string, identityChecked = false): PersonView {
    const ins = this.insuranceOf(p, insutype);
    const scope = scopeOf(ins.insuplc_admdvs, this.mdtrtarea);
    const { filings: _f, transaction_id, ...person } = p;
    return {
      // 余额 as the platform sent it (number or string), a number with two decimals on the wire
      person: { ...person, insurances: person.insurances.map(balanceView) },
      insuplc_admdvs: ins.insuplc_admdvs,
      scope,
      cross_region: scope !== 'local',
      filing: filingOn(p.filings, ins.insuplc_admdvs, this.mdtrtarea, date),
      identity_check: identityChecked ? 'matched' : 'not_checked',
      transaction_id,
    };
  }
}

/** 余额 read tolerantly (number or decimal string); a value that is no amount is left out rather than failing the lookup. */
function balanceView({ balc, ...i }: Insurance) {
  const ok = typeof balc === 'number' ? Number.isFinite(balc) : typeof balc === 'string' && /^-?\d+(\.\d+)?$/.test(balc.trim());
  return { ...i, ...(ok ? { balc: new Decimal(typeof balc === 'string' ? balc.trim() : balc) } : {}) };
}

/** What the journal keeps of an HIS request: the credential travels only in the platform message. */
export function withoutCredential<T extends { mdtrt_cert_no?: string; card_sn?: string; counter_person?: unknown }>(
  req: T,
): Omit<T, 'mdtrt_cert_no' | 'card_sn' | 'counter_person'> {
  const { mdtrt_cert_no: _n, card_sn: _s, counter_person: _c, ...rest } = req;
  return rest;
}

const norm = (s: string) => s.trim().toUpperCase();

/** The fields of the person at the counter that are not the credential owner's (人卡一致), none when the HIS sent no counter_person. */
function identityMismatch(p: Person, q: Pick<PersonQueryRequest, 'counter_person'>): string[] {
  const c = q.counter_person;
  if (!c) return [];
  const mismatched: string[] = [];
  if (c.certno && norm(c.certno) !== norm(p.certno)) mismatched.push('certno');
  if (c.psn_name && c.psn_name.trim() !== p.psn_name.trim()) mismatched.push('psn_name');
  if (c.psn_cert_type && c.psn_cert_type !== p.psn_cert_type) mismatched.push('psn_cert_type');
  return mismatched;
}
