import { SALES_RECORDED, SalesRecordedV1 } from '@app/contracts';
import { DependencyUnavailableError, PublishEntry } from '@app/messaging';
import { REPORT_QUEUE_DEPENDENCY, ReportBatch, StatusReport } from './status.reporter';

function recorded(paymentId: string): StatusReport {
  const message = Object.assign(new SalesRecordedV1(), {
    paymentId,
    recordedAt: '2026-11-02T10:00:00.000Z',
  });
  return { message, correlationId: `corr-${paymentId}` };
}

/** Records each send; answers the ids listed in `refuse` as not accepted. */
function publisher(refuse: (entry: PublishEntry) => boolean = () => false) {
  const calls: PublishEntry[][] = [];
  const publish = async (entries: readonly PublishEntry[]) => {
    calls.push([...entries]);
    const failedIds = new Set(entries.filter(refuse).map((e) => e.id));
    return { failedIds, firstError: failedIds.size ? new Error('refused') : undefined };
  };
  return { calls, publish };
}

describe(ReportBatch.name, () => {
  it('should send the reports of a whole batch in one call, with their correlationIds', async () => {
    const { calls, publish } = publisher();
    const batch = new ReportBatch(publish);
    await expect(
      Promise.all(['a', 'b', 'c'].map((id) => batch.report(async () => recorded(id)))),
    ).resolves.toHaveLength(3);
    expect(calls).toHaveLength(1);
    expect(calls[0].map((e) => JSON.parse(e.message.body) as { paymentId: string })).toEqual([
      expect.objectContaining({ type: SALES_RECORDED, paymentId: 'a' }),
      expect.objectContaining({ paymentId: 'b' }),
      expect.objectContaining({ paymentId: 'c' }),
    ]);
    expect(calls[0][1].message.attributes.correlationId?.StringValue).toBe('corr-b');
  });

  it('should wait for every message, and send without the ones that failed', async () => {
    const { calls, publish } = publisher();
    const batch = new ReportBatch(publish);
    let finishSlow!: () => void;
    const slow = new Promise<void>((resolve) => (finishSlow = resolve));
    const reports = [
      batch.report(async () => recorded('fast')),
      batch.report(() => Promise.reject(new Error('db down'))),
      batch.report(async () => {
        await slow;
        return recorded('slow');
      }),
    ];
    await expect(reports[1]).rejects.toThrow('db down');
    expect(calls).toHaveLength(0);
    finishSlow();
    await expect(reports[0]).resolves.toBeUndefined();
    await expect(reports[2]).resolves.toBeUndefined();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(2);
  });

  it('should fail exactly the reports SQS did not accept', async () => {
    const { publish } = publisher((entry) => entry.message.body.includes('"b"'));
    const batch = new ReportBatch(publish);
    const a = batch.report(async () => recorded('a'));
    const b = batch.report(async () => recorded('b'));
    await expect(a).resolves.toBeUndefined();
    await expect(b).rejects.toThrow('refused');
  });

  it('should fail every report when the send itself throws', async () => {
    const batch = new ReportBatch(() => Promise.reject(new Error('no route to SQS')));
    const reports = [
      batch.report(async () => recorded('a')),
      batch.report(async () => recorded('b')),
    ];
    await expect(reports[0]).rejects.toThrow('no route to SQS');
    await expect(reports[1]).rejects.toThrow('no route to SQS');
  });

  it('should send a message tried again after the others in a send of its own', async () => {
    const { calls, publish } = publisher();
    const batch = new ReportBatch(publish);
    const first = batch.report(() => Promise.reject(new Error('db down')));
    const other = batch.report(async () => recorded('other'));
    await expect(first).rejects.toThrow('db down');
    await expect(other).resolves.toBeUndefined();
    await expect(batch.report(async () => recorded('again'))).resolves.toBeUndefined();
    expect(calls.map((call) => call.length)).toEqual([1, 1]);
  });

  it('should fail a report SQS did not take as its queue being unavailable, never drop it', async () => {
    const batch = new ReportBatch(() => Promise.reject(new Error('QueueDoesNotExist')));
    const report = batch.report(async () => recorded('a'));
    await expect(report).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(report).rejects.toMatchObject({ dependency: REPORT_QUEUE_DEPENDENCY });
  });

  it('should send nothing when every message failed', async () => {
    const { calls, publish } = publisher();
    const batch = new ReportBatch(publish);
    await expect(batch.report(() => Promise.reject(new Error('bad')))).rejects.toThrow('bad');
    expect(calls).toHaveLength(0);
  });
});
