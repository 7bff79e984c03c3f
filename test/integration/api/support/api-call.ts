/**
 * One JSON call to a running `kadr serve` with its bearer token: the status, the raw text (to look
 * for leaks or messages) and the body read as JSON when it is an object.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the answers are read field by field, as JSON */
export interface ApiAnswer {
  status: number;
  text: string;
  json: Record<string, any>;
}

export async function callApi(
  base: string,
  token: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: (text.startsWith('{') ? JSON.parse(text) : null) as Record<string, any>,
  };
}
