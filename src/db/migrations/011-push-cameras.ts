/**
 * Push cameras (docs/ingest.md, "Sessions become cameras"): a camera whose video is pushed to kadr (a
 * WHIP sender, JPEG frames over HTTP) instead of pulled from a URL. It is a row like any camera, with
 * `transport = 'push'` and an empty `url`: there is nothing to connect to, so no node ever pulls it.
 */
export const sql = `
ALTER TABLE cameras DROP CONSTRAINT IF EXISTS cameras_transport_check;
ALTER TABLE cameras ADD CONSTRAINT cameras_transport_check CHECK (transport IN ('tcp', 'udp', 'push'));
`;
