/**
 * What a WHEP offer got wrong, with the HTTP status RFC 9725 gives it (the API turns it into the
 * error body every route answers with). Kept here so that the WebRTC layer knows no web framework.
 */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'HttpStatusError';
  }
}
