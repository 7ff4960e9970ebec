// Generated from the .json beside this file by `npm run openapi` (openapi-typescript).
export interface paths {
    "/payments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Accept a payment
         * @description Validates and durably records the payment, then answers at once. The 202 is sent only after commit: the payment will reach the sales DB whatever fails afterwards. Poll the status URL until COMPLETED or FAILED. A 5xx, or no answer at all, does not mean nothing was recorded: the commit may have succeeded and only its acknowledgement been lost. Send an Idempotency-Key, and after a 5xx or no answer resend the same body with the same key: a committed payment is then replayed, never created twice.
         */
        post: operations["createPayment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/payments/{requestId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A payment's status, at once or by long poll
         * @description With `Prefer: wait=N` (RFC 7240) the answer is held until the status leaves PENDING, or for N seconds (capped by the server, 30 by default), then gives the current view; `Preference-Applied: wait=<n>` says how long the server was willing to wait. Without it the answer comes at once. PENDING until the sales DB has recorded it (COMPLETED) or never can (FAILED). Re-ask at once after a PENDING long-poll answer.
         */
        get: operations["getPayment"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The process is up
         * @description Answers 200 while the process runs; checks nothing else. Needs no API key.
         */
        get: operations["getLiveness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The database and the queues answer (cached for about a second)
         * @description A load balancer sends traffic only while this answers 200. Needs no API key.
         */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description The Prometheus text exposition format. Needs no API key.
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        FieldError: {
            /** @example amount */
            field: string;
            /** @example amount must be an integer number of minor units */
            message: string;
        };
        Problem: {
            /**
             * Format: uri
             * @example urn:problem:invalid-request
             */
            type: string;
            /** @example Bad Request */
            title: string;
            /** @example 400 */
            status: number;
            /** @example the request body is invalid */
            detail: string;
            /**
             * @description Stable machine-readable code
             * @example INVALID_INPUT
             */
            code?: string;
            /** @description On 400: every bad field */
            errors?: components["schemas"]["FieldError"][];
        };
        NewPayment: {
            /** @example cust-42 */
            customerId: string;
            /** @example pol-7 */
            policyId: string;
            /**
             * @description Minor units, a JSON integer (never a float or a string); exact up to the maximum
             * @example 12500
             */
            amount: number;
            /**
             * @description ISO 4217, as Intl knows it
             * @example USD
             */
            currency: string;
            /**
             * Format: date-time
             * @example 2026-11-26T10:00:00Z
             */
            paidAt?: string;
            /** @example 2026-11 */
            period?: string;
        };
        AcceptedPayment: {
            /** @example cust-42 */
            customerId: string;
            /** @example pol-7 */
            policyId: string;
            /**
             * @description Minor units of the currency, a JSON integer (1…100000000000, always exact)
             * @example 12500
             */
            amount: number;
            /** @example USD */
            currency: string;
            /** @example 2026-11 */
            period: string;
            /** Format: date-time */
            paidAt: string;
            /** Format: date-time */
            createdAt: string;
            /**
             * Format: uuid
             * @example 01a2189a-22ad-7408-a371-7e9ffa893414
             */
            requestId: string;
            /** @enum {string} */
            status: "PENDING";
            /** @example /payments/01a2189a-22ad-7408-a371-7e9ffa893414 */
            statusUrl: string;
        };
        PaymentFailure: {
            /** @example RETRIES_EXHAUSTED */
            code: string;
            /** @example the sales database was unavailable */
            message: string;
            /** @example 5 */
            attempts: number;
        };
        Payment: {
            /** @example cust-42 */
            customerId: string;
            /** @example pol-7 */
            policyId: string;
            /**
             * @description Minor units of the currency, a JSON integer (1…100000000000, always exact)
             * @example 12500
             */
            amount: number;
            /** @example USD */
            currency: string;
            /** @example 2026-11 */
            period: string;
            /** Format: date-time */
            paidAt: string;
            /** Format: date-time */
            createdAt: string;
            /**
             * Format: uuid
             * @example 01a2189a-22ad-7408-a371-7e9ffa893414
             */
            requestId: string;
            /** @enum {string} */
            status: "PENDING" | "COMPLETED" | "FAILED";
            /** Format: date-time */
            updatedAt: string;
            /**
             * Format: date-time
             * @description When the sales DB held it
             */
            completedAt?: string;
            /** @description Only when FAILED */
            failure?: components["schemas"]["PaymentFailure"];
        };
        HealthStatus: {
            /**
             * @example ok
             * @enum {string}
             */
            status: "ok" | "error" | "shutting_down";
            /**
             * @description The checks that passed, by name
             * @example {
             *       "database": {
             *         "status": "up"
             *       }
             *     }
             */
            info?: {
                [key: string]: unknown;
            };
            /**
             * @description The checks that failed, by name
             * @example {}
             */
            error?: {
                [key: string]: unknown;
            };
            /**
             * @description Every check, by name
             * @example {
             *       "database": {
             *         "status": "up"
             *       }
             *     }
             */
            details: {
                [key: string]: unknown;
            };
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    createPayment: {
        parameters: {
            query?: never;
            header?: {
                /** @description 1-255 visible ASCII characters, compared byte for byte (`Key-1` and `key-1` are two keys); the same key and body replay the first answer. Resend with the same key after a 5xx or no answer. Kept 24 hours (IDEMPOTENCY_TTL_SECONDS), then forgotten. While the first request with the key runs: 409 with Retry-After; a first request that died frees its key a few seconds after its deadline. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewPayment"];
            };
        };
        responses: {
            /** @description Accepted (or replayed) */
            202: {
                headers: {
                    /** @description The status URL */
                    Location?: string;
                    /** @description Seconds before the first poll */
                    "Retry-After"?: number;
                    /** @description `true` on a replay */
                    "Idempotent-Replayed"?: "true";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AcceptedPayment"];
                };
            };
            /** @description Invalid body, id or header; `errors` names every bad field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or unknown API key (keys are required unless the API runs open, locally) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The Idempotency-Key is in use by a request still in flight */
            409: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body larger than 16 KiB */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body is not application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The Idempotency-Key was used with a different body */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limited: too many requests for this client, or too many failed API keys from this address (code TOO_MANY_AUTH_FAILURES, answered before the key is checked) */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A dependency (the database or the queues) is unavailable, or this instance is shutting down; retry after Retry-After (a POST with the same Idempotency-Key) */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getPayment: {
        parameters: {
            query?: never;
            header?: {
                /** @description `wait=N`: hold the answer up to N seconds while the payment is PENDING */
                Prefer?: string;
            };
            path: {
                requestId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    /** @description While PENDING: seconds before the next poll */
                    "Retry-After"?: number;
                    /** @description With `Prefer: wait=N`: `wait=<n>`, the seconds the server would wait */
                    "Preference-Applied"?: string;
                    /** @description `Prefer` */
                    Vary?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Payment"];
                };
            };
            /** @description Invalid body, id or header; `errors` names every bad field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or unknown API key (keys are required unless the API runs open, locally) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such payment (on customer-api: for this client) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limited: too many requests for this client, or too many failed API keys from this address (code TOO_MANY_AUTH_FAILURES, answered before the key is checked) */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A dependency (the database or the queues) is unavailable, or this instance is shutting down; retry after Retry-After (a POST with the same Idempotency-Key) */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getLiveness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Up */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthStatus"];
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthStatus"];
                };
            };
            /** @description A dependency (the database or the queues) is unavailable, or this instance is shutting down; retry after Retry-After (a POST with the same Idempotency-Key) */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Metrics */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
}
