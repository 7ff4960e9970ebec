export default async function globalTeardown(): Promise<void> {
  await globalThis.__SQS_STAND_IN__?.stop();
}
