import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { securityHeadersOf, securityOptions } from '@app/platform/security-headers';

const logger = new Logger('PaymentPage');

/** Vite names bundled files by content hash (`index-6DMQ5JPc.js`): they never change. */
const HASHED_ASSET = /\/assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

/**
 * Serves the built payment page (apps/payment-page) at `/`: one route per file found at start-up,
 * so every other path still reaches Nest (and its problem+json 404). No guard runs here: the page
 * is public, and it sends the API key the person enters with its own API requests.
 */
export function servePaymentPage(app: NestFastifyApplication, pageDir: string): void {
  const root = resolve(pageDir);
  if (!existsSync(join(root, 'index.html'))) {
    logger.warn(`no payment page at ${root} (npm run build:page builds it); / answers 404`);
    return;
  }
  void app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: 'index.html',
    setHeaders: (reply, path) =>
      void reply.header(
        'Cache-Control',
        HASHED_ASSET.test(path.replaceAll('\\', '/'))
          ? 'public, max-age=31536000, immutable'
          : 'no-cache',
      ),
  });
}

/**
 * Styles Swagger UI's own script applies at run time, which no hash of the HTML can cover: the
 * `style` attribute of its hidden SVG sprite and one `<style>` element it adds. Found by the
 * browser test of /docs (it fails, naming the hash, should a swagger-ui upgrade change them).
 */
const SWAGGER_UI_RUNTIME_STYLES = [
  "'unsafe-hashes'",
  "'sha256-ezdv1bOGcoOD7FKudKN0Y2Mb763O6qVtM8LT2mtanIU='",
  "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
];

const INLINE = /<(script|style)(\s[^>]*)?>([\s\S]*?)<\/\1>/gi;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * The CSP for an HTML answer that carries inline `<script>`/`<style>` blocks (the Swagger UI page
 * at /docs): the 'self'-only policy plus the hash of each block, so those blocks run and nothing
 * else inline does. Worked out once per distinct page.
 */
export function hashInlineBlocks(app: NestFastifyApplication): void {
  const policies = new Map<string, string | undefined>();
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (_request, reply, payload) => {
      const type = String(reply.getHeader('content-type') ?? '');
      if (typeof payload !== 'string' || !type.startsWith('text/html')) {
        return payload;
      }
      if (!policies.has(payload)) {
        const scriptSrc: string[] = [];
        const styleSrc: string[] = [];
        for (const [, tag, attributes = '', body] of payload.matchAll(INLINE)) {
          if (tag.toLowerCase() === 'style') {
            styleSrc.push(sha256(body));
          } else if (!/\ssrc\s*=/i.test(attributes) && body.trim() !== '') {
            scriptSrc.push(sha256(body));
          }
        }
        const headers =
          scriptSrc.length + styleSrc.length > 0
            ? securityHeadersOf(
                securityOptions({
                  scriptSrc,
                  styleSrc: [...styleSrc, ...SWAGGER_UI_RUNTIME_STYLES],
                }),
              )
            : undefined;
        policies.set(payload, headers?.['content-security-policy']);
      }
      const policy = policies.get(payload);
      if (policy) {
        void reply.header('content-security-policy', policy);
      }
      return payload;
    });
}
