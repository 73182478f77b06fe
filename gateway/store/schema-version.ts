/**
 * The store's schema version, written by both backends when they open (README "Upgrading"):
 * 1 — the journal, encounters, outbox, audit log (issues 2-5);
 * 2 — the indexes of issue 11 (journal by open work, business key, encounter, resolution, outcome
 *     and time; outbox by state; audit by actor, action and time), built once from the records
 *     when an older store is opened;
 * 3 — encryption at rest (issue 20, store/crypto.ts): with a key, the first open seals every record,
 *     encounter, outbox and audit entry and kept response, and rebuilds the indexes from keyed
 *     hashes of the business keys (bounded batches; repeated after a crash);
 * 4 — search facts (issue 15, search-facts.ts): a journal record written before they existed gets
 *     its keyed person hashes and its amount from its hot stages (bounded batches; only the
 *     records they change are written, so a repeat after a crash changes nothing twice).
 */
export const STORE_SCHEMA_VERSION = 4;
