/**
 * Context every App of this project is created with, by bin/app.ts and by the tests alike, so
 * the template the tests check is the one `cdk synth` produces.
 */
export const APP_CONTEXT: Record<string, unknown> = {
  // CloudFormation's own template checks (circular dependencies, bad properties) fail synth.
  '@aws-cdk/core:validateAgainstDefaultRules': true,
};
