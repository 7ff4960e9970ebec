import { MonthlyTotal } from '../sales/monthly-total.entity';
import { Sale } from '../sales/sale.entity';

/** Listed, not globbed: the webpack bundle has no entity files to find. */
export const ENTITIES = [Sale, MonthlyTotal];
