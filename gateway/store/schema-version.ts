/**
 * The store's schema version, written by both backends when they open (README "Upgrading"):
 * 1 — the journal, encounters, outbox, audit log (issues 2-5);
 * 2 — the indexes of issue 11 (journal by open work, business key, encounter, resolution, outcome
 *     and time; outbox by state; audit by actor, action and time), built once from the records
 *     when an older store is opened.
 */
export const STORE_SCHEMA_VERSION = 2;
