import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'platform:public-route';

/** Health, metrics: answered without an API key and never rate limited. */
export const PublicRoute = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
