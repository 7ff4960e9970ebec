import { Initial1795710009957 } from './1795710009957-Initial';

/** In order; listed, not globbed, for the webpack bundle. */
export const MIGRATIONS = [Initial1795710009957];
