import { Initial1795709877047 } from './1795709877047-Initial';

/** In order; listed, not globbed, for the webpack bundle. */
export const MIGRATIONS = [Initial1795709877047];
