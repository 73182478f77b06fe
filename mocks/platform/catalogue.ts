/** The treatment area's fee catalogue (就医地目录), loaded from data/catalogue.json. */
import catalogueData from './data/catalogue.json' with { type: 'json' };
import type { CatalogueEntry } from './types.js';

const ENTRIES: readonly CatalogueEntry[] = catalogueData.entries;

export type Catalogue = ReadonlyMap<string, CatalogueEntry>;

export function loadCatalogue(): Catalogue {
  return new Map(ENTRIES.map((entry) => [entry.med_list_codg, entry]));
}

/** undefined = not in the catalogue (counts as 丙类, fully self-paid). */
export function findCatalogueEntry(catalogue: Catalogue, medListCodg: string): CatalogueEntry | undefined {
  return catalogue.get(medListCodg);
}
