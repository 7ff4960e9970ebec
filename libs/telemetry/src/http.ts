import { trace } from '@opentelemetry/api';
import { tracingOn } from './switch';

/**
 * Names the HTTP server span after its route (`POST /payments`, `GET /payments/:requestId`)
 * and sets `http.route`, as the HTTP semantic conventions ask; instrumentation-http alone only
 * knows the method. Called from the framework's first request hook, where the server span is
 * the active one.
 */
export function nameServerSpan(method: string, route: string | undefined): void {
  if (!tracingOn() || !route) {
    return;
  }
  const span = trace.getActiveSpan();
  span?.setAttribute('http.route', route);
  span?.updateName(`${method} ${route}`);
}
