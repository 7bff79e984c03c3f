/**
 * Where a video named on the command line is read from. Files and URLs pass through unchanged; object
 * storage locations (s3://bucket/key) will resolve through src/storage to something FFmpeg opens.
 */
export async function resolveLocation(location: string): Promise<string> {
  return location;
}
