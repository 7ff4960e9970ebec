import { SQSClient } from '@aws-sdk/client-sqs';
import { deadLetterQueueName } from '@app/contracts';
import { queueNameOf, resolveQueueUrl } from './sqs-client';

export interface QueueAddress {
  name: string;
  url: string;
  deadLetterUrl: string;
}

function deadLetterUrlOf(url: string): string {
  return url.slice(0, url.lastIndexOf('/') + 1) + deadLetterQueueName(queueNameOf(url));
}

/** The queues an app uses, by logical name, resolved to URLs once at start-up. */
export class QueueDirectory {
  private constructor(private readonly queues: ReadonlyMap<string, QueueAddress>) {}

  /** `queues` maps a logical name to a queue name or URL from the configuration. */
  static async resolve(sqs: SQSClient, queues: Record<string, string>): Promise<QueueDirectory> {
    const entries = await Promise.all(
      Object.entries(queues).map(async ([logical, nameOrUrl]) => {
        const url = await resolveQueueUrl(sqs, nameOrUrl);
        return [
          logical,
          { name: queueNameOf(url), url, deadLetterUrl: deadLetterUrlOf(url) },
        ] as const;
      }),
    );
    return new QueueDirectory(new Map(entries));
  }

  get(logical: string): QueueAddress {
    const address = this.queues.get(logical);
    if (!address) {
      throw new Error(`no queue is configured for ${logical}`);
    }
    return address;
  }

  all(): QueueAddress[] {
    return [...this.queues.values()];
  }
}
