import type { Scenario } from '../scenario';
import { apiKill } from './api-kill';
import { badInput } from './bad-input';
import { customerDbOutage } from './customer-db-outage';
import { duplicates } from './duplicates';
import { customerDbLongOutage, salesDbLongOutage } from './long-outages';
import { poisonAndRedrive } from './poison-and-redrive';
import { salesDbOutage } from './sales-db-outage';
import { sigterm } from './sigterm';
import { sigtermBlackHole } from './sigterm-black-hole';
import { sqsBlackHole } from './sqs-black-hole';
import { sqsOutage } from './sqs-outage';
import { rateCapBacklog, statusQueueDeleted } from './status-queue-and-rate-cap';
import { workerKill } from './worker-kill';

/** In the issues' order; the runner starts the background ones first. */
export const SCENARIOS: Scenario[] = [
  workerKill,
  apiKill,
  sqsOutage,
  salesDbOutage,
  customerDbOutage,
  duplicates,
  poisonAndRedrive,
  sigterm,
  badInput,
  sqsBlackHole,
  sigtermBlackHole,
  salesDbLongOutage,
  customerDbLongOutage,
  statusQueueDeleted,
  rateCapBacklog,
];
