/**
 * A dependency /health/ready asks about besides the database (libs/messaging's SQS check, say),
 * reported under `name`. `check` throws when the dependency does not answer within `timeoutMs`;
 * its error's message is shown in the answer, so it must not name hosts or credentials.
 */
export abstract class ReadinessCheck {
  abstract readonly name: string;
  abstract check(timeoutMs: number): Promise<void>;
}
