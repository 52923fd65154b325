import { Ajv } from "ajv";
import type { FastifyInstance } from "fastify";

/**
 * Route schema validation. JSON bodies are validated strictly (no type coercion: `{"name": 42}` is a 400, not the
 * project "42"); query strings and path parameters are text, so they are coerced to the declared types.
 */
export function registerValidation(app: FastifyInstance): void {
  const strict = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  const coercing = new Ajv({ coerceTypes: "array", useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === "body" ? strict : coercing).compile(schema));
}
