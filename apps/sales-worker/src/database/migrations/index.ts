// The app's public entry point to its schema: tools (the bench, the fault suite, test
// databases) import this list and nothing else of the app's database code.
import { Initial1795710009957 } from './1795710009957-Initial';
import { BinaryIdentifiers1795997789963 } from './1795997789963-BinaryIdentifiers';
import { SaleHopTimes1796400000000 } from './1796400000000-SaleHopTimes';

/** In order; listed, not globbed, for the webpack bundle. */
export const MIGRATIONS = [
  Initial1795710009957,
  BinaryIdentifiers1795997789963,
  SaleHopTimes1796400000000,
];
