import { Attributes, Context, diag, Link, SpanKind, trace } from '@opentelemetry/api';
import type { tracing } from '@opentelemetry/sdk-node';

type Sdk = typeof tracing;
type Sampler = tracing.Sampler;

/** OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG as the specification lists them. */
export function samplerFromEnv(sdk: Sdk, env: NodeJS.ProcessEnv): Sampler {
  const name = (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').trim().toLowerCase();
  const arg = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
  const ratio = Number.isFinite(arg) && arg >= 0 && arg <= 1 ? arg : 1;
  switch (name) {
    case 'always_on':
      return new sdk.AlwaysOnSampler();
    case 'always_off':
      return new sdk.AlwaysOffSampler();
    case 'traceidratio':
      return new sdk.TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(ratio) });
    case 'parentbased_always_on':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
    default:
      diag.warn(`unknown OTEL_TRACES_SAMPLER "${name}"; using parentbased_always_on`);
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
  }
}

/**
 * Drops CLIENT spans that would start a trace of their own: the outbox sweep's, the re-asker's
 * and the readiness probe's queries and the consumers' idle long polls, which belong to no
 * payment and would bury the payments' traces. Everything else goes to the configured sampler.
 */
export class NoOrphanClientSpans implements Sampler {
  constructor(private readonly delegate: Sampler) {}

  shouldSample(
    context: Context,
    traceId: string,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): ReturnType<Sampler['shouldSample']> {
    if (kind === SpanKind.CLIENT && !trace.getSpanContext(context)) {
      return { decision: 0 }; // SamplingDecision.NOT_RECORD
    }
    return this.delegate.shouldSample(context, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `NoOrphanClientSpans{${this.delegate.toString()}}`;
  }
}
