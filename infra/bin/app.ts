import { App } from 'aws-cdk-lib';
import { APP_CONTEXT } from '../lib/app-context';
import { PaymentsStack } from '../lib/payments-stack';

const app = new App({ context: APP_CONTEXT });

function context(name: string): string | undefined {
  const value: unknown = app.node.tryGetContext(name);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The stack fails closed: no certificate or no API keys, no deployment. */
function required(name: string): string {
  const value = context(name);
  if (value === undefined) {
    throw new Error(`context ${name} is required: cdk synth -c ${name}=... (see infra/README.md)`);
  }
  return value;
}

// With AWS credentials the CLI fills in CDK_DEFAULT_*; without them the stack stays
// environment-agnostic, which is what lets `cdk synth` run offline.
new PaymentsStack(app, 'Payments', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  queueNamePrefix: context('queueNamePrefix'),
  certificateArn: required('certificateArn'),
  apiKeysSecretName: required('apiKeysSecretName'),
});
