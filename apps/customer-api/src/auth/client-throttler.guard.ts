import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { PUBLIC_ROUTE } from '@app/platform/public-route';
import type { AuthenticatedRequest } from './client-id';

/** Rate limits per client (API key name), or per address when the API runs open. */
@Injectable()
export class ClientThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const { clientId, ip } = request as unknown as AuthenticatedRequest;
    return Promise.resolve(clientId ? `client:${clientId}` : `ip:${ip}`);
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(
      this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [
        context.getHandler(),
        context.getClass(),
      ]) === true,
    );
  }
}
