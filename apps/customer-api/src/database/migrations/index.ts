// The app's public entry point to its schema: tools (the bench, the fault suite, test
// databases) import this list and nothing else of the app's database code.
import { Initial1795709877047 } from './1795709877047-Initial';
import { BinaryIdentifiers1795997789963 } from './1795997789963-BinaryIdentifiers';
import { LeasesParkingReasks1796300000000 } from './1796300000000-LeasesParkingReasks';
import { OutboxTraceContext1796500000000 } from './1796500000000-OutboxTraceContext';

/** In order; listed, not globbed, for the webpack bundle. */
export const MIGRATIONS = [
  Initial1795709877047,
  BinaryIdentifiers1795997789963,
  LeasesParkingReasks1796300000000,
  OutboxTraceContext1796500000000,
];
