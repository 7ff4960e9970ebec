import { Initial1795708988544 } from './1795708988544-Initial';

/** In order; listed, not globbed, for the webpack bundle. */
export const MIGRATIONS = [Initial1795708988544];
