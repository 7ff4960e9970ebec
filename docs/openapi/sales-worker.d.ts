// Generated from the .json beside this file by `npm run openapi` (openapi-typescript).
export interface paths {
    "/sales": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A month's totals
         * @description Payments counted and their sum, per currency, for one month.
         */
        get: operations["getMonthlyTotals"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sales/payments/{paymentId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One recorded payment
         * @description The sale recorded for a payment (its requestId in customer-api).
         */
        get: operations["getSale"];
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
        CurrencyTotal: {
            /** @example USD */
            currency: string;
            /**
             * @description Payments counted
             * @example 1
             */
            count: number;
            /**
             * @description Their sum in minor units, as decimal digits: exact past 2^53
             * @example 12500
             */
            amount: string;
        };
        MonthlyTotals: {
            /** @example 2026-11 */
            period: string;
            totals: components["schemas"]["CurrencyTotal"][];
        };
        Sale: {
            /**
             * Format: uuid
             * @example 01a2189a-22ad-7408-a371-7e9ffa893414
             */
            paymentId: string;
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
            /**
             * Format: date-time
             * @description When customer-api accepted the payment
             */
            recordedAt: string;
            /**
             * Format: date-time
             * @description When the sales DB counted it
             */
            createdAt: string;
            /** @description The request id the payment was accepted under */
            correlationId?: string;
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
    getMonthlyTotals: {
        parameters: {
            query: {
                /** @description The month */
                period: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The month's totals */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MonthlyTotals"];
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
    getSale: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                paymentId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The sale */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Sale"];
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
            /** @description No such payment (on customer-api: for this client) */
            404: {
                headers: {
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
