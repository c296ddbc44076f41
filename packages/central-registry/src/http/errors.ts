import type { FastifyError, FastifyInstance } from 'fastify';
import { RegistryError } from '../errors/index.ts';

/** The error body both listeners answer with: a stable code, a message that says how to fix it. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: readonly string[];
}

function body(code: string, message: string, details?: readonly string[]): ErrorBody {
  return details === undefined || details.length === 0 ? { code, message } : { code, message, details };
}

/**
 * Maps every failure to `{ code, message, details? }` with a 4xx for the caller's mistakes: schema
 * violations, oversized or non-JSON bodies, unknown routes. Internal errors answer 500 without detail.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | RegistryError | Error, request, reply) => {
    if (error instanceof RegistryError) {
      return reply.status(error.status).send(body(error.code, error.message, error.details));
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation !== undefined) {
      const details = fastifyError.validation.map((v) => `${v.instancePath || '(body)'} ${v.message ?? 'is invalid'}${v.params !== undefined && 'additionalProperty' in v.params ? `: ${String(v.params['additionalProperty'])}` : ''}`);
      return reply.status(400).send(body('TONLE_ERR_REGISTRY_VALIDATION', `The ${fastifyError.validationContext ?? 'request'} does not match the schema; see details.`, details));
    }
    if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send(body('TONLE_ERR_REGISTRY_BODY_TOO_LARGE', 'The request body is larger than this endpoint accepts.'));
    }
    if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send(body('TONLE_ERR_REGISTRY_VALIDATION', 'Send the body as application/json.'));
    }
    if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      return reply.status(fastifyError.statusCode).send(body('TONLE_ERR_REGISTRY_VALIDATION', `The request is malformed: ${fastifyError.message}`));
    }
    request.log.error({ err: { message: error.message, code: fastifyError.code } }, 'unexpected error');
    return reply.status(500).send(body('TONLE_ERR_REGISTRY_INTERNAL', 'Internal error in the central registry; see its log.'));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(body('TONLE_ERR_REGISTRY_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0] ?? ''}.`)),
  );
}

/** Fastify options shared by both listeners: strict JSON schema checking (no coercion, no stripping). */
export const strictAjv = {
  customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: true },
} as const;
