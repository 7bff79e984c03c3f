/**
 * RTSP 1.0 messages (RFC 2326 §6, §7): a request line or status line, headers, an optional body.
 * Header names are kept as received for serialisation and looked up case-insensitively.
 *
 *   Request  = Method SP Request-URI SP "RTSP/1.0" CRLF *(header CRLF) CRLF [ body ]
 *   Response = "RTSP/1.0" SP Status-Code SP Reason-Phrase CRLF *(header CRLF) CRLF [ body ]
 */
export type RtspHeaders = [name: string, value: string][];

export interface RtspRequest {
  method: string;
  uri: string;
  version: string;
  headers: RtspHeaders;
  body: Buffer;
}

export interface RtspResponse {
  status: number;
  reason?: string;
  headers: RtspHeaders;
  body?: Buffer | string;
}

export function header(headers: RtspHeaders, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of headers) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** RFC 2326 §7.1.1 reason phrases for the codes this server sends. */
export const REASONS: Record<number, string> = {
  200: 'OK',
  302: 'Moved Temporarily',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Large',
  431: 'Request Header Fields Too Large',
  453: 'Not Enough Bandwidth',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  457: 'Invalid Range',
  459: 'Aggregate Operation Not Allowed',
  461: 'Unsupported Transport',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'RTSP Version Not Supported',
};

/** Header values must not smuggle line breaks into the response. */
function clean(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

export function serializeResponse(res: RtspResponse): Buffer {
  const body = typeof res.body === 'string' ? Buffer.from(res.body) : (res.body ?? Buffer.alloc(0));
  const lines = [`RTSP/1.0 ${res.status} ${res.reason ?? REASONS[res.status] ?? 'Unknown'}`];
  for (const [k, v] of res.headers) lines.push(`${k}: ${clean(v)}`);
  if (body.length > 0 && header(res.headers, 'content-length') === undefined) {
    lines.push(`Content-Length: ${body.length}`);
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]);
}

export function serializeRequest(req: RtspRequest): Buffer {
  const lines = [`${req.method} ${req.uri} ${req.version}`];
  for (const [k, v] of req.headers) lines.push(`${k}: ${clean(v)}`);
  if (req.body.length > 0 && header(req.headers, 'content-length') === undefined) {
    lines.push(`Content-Length: ${req.body.length}`);
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), req.body]);
}
