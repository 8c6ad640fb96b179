import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';

// Shapes the staff API answers with, for the routes' `response` schemas. Those schemas do two
// jobs: fastify serialises answers with them (faster than JSON.stringify, and a field missing
// from a schema is dropped, so nothing leaves by accident), and the OpenAPI document at
// /docs/json is generated from them (src/http/api-docs.ts).

/**
 * A value or null, as JSON Schema's `type: ["string", "null"]` (or an enum with null): the same
 * as a union with Null for clients and OpenAPI 3.1, but the serialiser writes it directly,
 * where a union (`anyOf`) makes it validate every value to pick a branch, which made a page of
 * cases slower to write than JSON.stringify.
 */
export function Nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> {
  const { type, enum: values } = schema as { type?: unknown; enum?: unknown[] };
  if (typeof type !== 'string') return Type.Unsafe<Static<T> | null>(Type.Union([schema, Type.Null()]));
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, 'null'], ...(Array.isArray(values) ? { enum: [...values, null] } : {}) });
}

/** An instant as ISO 8601 in UTC (`2026-11-26T00:30:00.000Z`). */
export const DateTime = Type.String({ format: 'date-time' });

/** A serial id from the database. */
export const Id = Type.Integer({ minimum: 1 });

/** One of a few fixed strings; serialised as a plain string (an enum, not a union of branches to test). */
export const OneOf = <const T extends string[]>(values: readonly [...T], description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

/** Every error of the app: `{ error: { code, message } }` (src/http/errors.ts). */
export function ErrorBody(description: string) {
  return Type.Object(
    {
      error: Type.Object(
        {
          code: Type.String({ description: 'stable, for programs: validation_failed, not_found, case_closed, …' }),
          message: Type.String({ description: 'for people; may change' }),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false, description },
  );
}

/** The errors any staff route can answer: bad input, no or a bad token, a role without the permission, too many requests. */
export const staffErrors = {
  400: ErrorBody('Invalid input: `validation_failed` (the message names the field), or a code of the route (`invalid_date`, …)'),
  401: ErrorBody('`unauthorized`: no staff token, or one that is unknown, revoked or expired'),
  403: ErrorBody('`forbidden`: the role may not use this route'),
  429: ErrorBody('`rate_limited` (too many requests with one token; see Retry-After) or `too_many_failures` (this address keeps presenting bad tokens)'),
  500: ErrorBody('`internal`: a fault of the server (logged, without the request\'s data); try again later'),
} as const;

/** Routes that read a JSON body also answer these before the handler runs. */
export const bodyErrors = {
  413: ErrorBody('`fst_err_ctp_body_too_large`: a body over 32 KB'),
  415: ErrorBody('`fst_err_ctp_invalid_media_type`: a body that is not `application/json`'),
} as const;

export const notFoundError = (description = '`not_found`: no such case, or one outside your scope (the two look the same)') => ({
  404: ErrorBody(description),
});

export const conflictError = (description: string) => ({ 409: ErrorBody(description) });
