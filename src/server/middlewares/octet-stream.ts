import type { FastifyInstance } from "fastify";

/**
 * Raw bodies (file uploads, vulnerability database archives) reach the handler as the request stream itself: nothing
 * is buffered, so memory stays flat whatever the size; the handler counts bytes against its own limits.
 */
export function registerOctetStream(app: FastifyInstance): void {
  for (const type of ["application/octet-stream", "application/zip"]) {
    app.addContentTypeParser(type, (_request, payload, done) => {
      done(null, payload);
    });
  }
}
