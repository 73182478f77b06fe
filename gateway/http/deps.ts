import type { JournalArchive } from '../store/archive.js';
import type { Clock } from '../../adapters/platform/msgid.js';
import type { ApiClients } from '../auth/clients.js';
import type { StaffSessions } from '../auth/sessions.js';
import type { IdentityRefusals } from '../engine/identity-refusals.js';
import type { InpatientService } from '../engine/inpatient.js';
import type { OutpatientService } from '../engine/outpatient.js';
import type { Persons } from '../engine/persons.js';
import type { PharmacyService } from '../engine/pharmacy.js';
import type { PlatformClient } from '../engine/platform-client.js';
import type { Refunds } from '../engine/refunds.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../metrics.js';
import type { BreakerTransport } from '../resilience/circuit-breaker.js';
import type { Reconciliation } from '../resilience/reconciliation/service.js';
import type { ReversalWorker } from '../resilience/reversal-worker.js';
import type { StoreAndForward } from '../resilience/store-and-forward.js';
import type { Store } from '../store/store.js';
import type { Schemas } from '../validation.js';

/**
 * What the HTTP layer is given by the composition root (gateway/server.ts): the engine's services,
 * resilience, store, schemas and settings. A file of its own so that app.ts (which mounts every
 * route module) and the route modules (which each take these deps) both import it, and neither
 * imports the other: no import circle through app.ts.
 */
export interface AppDeps {
  schemas: Schemas;
  store: Store;
  platform: PlatformClient;
  breaker: BreakerTransport;
  persons: Persons;
  /** refused 人卡一致 checks, for the console (JS 24) */
  identityRefusals: IdentityRefusals;
  outpatient: OutpatientService;
  inpatient: InpatientService;
  pharmacy: PharmacyService;
  refunds: Refunds;
  logger: Logger;
  bodyLimitBytes: number;
  mode: string;
  clock: Clock;
  /** API clients and the default per-client rate limit (gateway/auth/) */
  /** requireTrustedCertificate: TLS_CLIENT_CA_FILE is set, a client certificate must chain to it */
  auth: { clients: ApiClients; rateLimitPerMinute: number; requireTrustedCertificate?: boolean };
  /** named staff: sign-in, sessions and lockout (gateway/auth/sessions.ts) */
  staff: StaffSessions;
  metrics: GatewayMetrics;
  /** set while the gateway drains for shutdown */
  lifecycle: { draining: boolean };
  /** Idempotency-Key records: kept ttlSeconds; a duplicate waits up to waitMs (gateway/http/idempotency.ts) */
  idempotency: { ttlSeconds: number; waitMs: number; holder?: string };
  /** issue 5: the reversal worker, store-and-forward, and the self-pay upload's (unverified) infno */
  resilience: { reversals: ReversalWorker; uploads: StoreAndForward; selfPayInfno: string };
  /** where archived message bodies are read back from (issue 11 retention) */
  archive: JournalArchive;
  /** issue 12: reconciliation with the platform (对账) and month close */
  reconciliation: Reconciliation;
  /** the printed slips' settings beyond the envelope's hospital (医院等级) */
  print?: { hospitalLevel?: string };
}
