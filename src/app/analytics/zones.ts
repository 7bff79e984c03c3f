/**
 * Zones of a camera's analytics: polygons in 0…1 picture coordinates. A detection counts when the
 * bottom centre of its box is inside one of them: for a person that is where the feet touch the floor,
 * so a zone drawn on the floor (a doorway, a counter, a platform edge) holds the people standing on it,
 * not those whose head or body merely overlaps it from further back, as the picture's perspective makes
 * the boxes of people behind the zone reach into it. Faces and objects follow the same rule: one rule
 * that a user can draw by.
 */

/** Whether a box ([x, y, width, height] in the picture's pixels) stands in one of the zones. */
export function inZones(
  box: readonly [number, number, number, number],
  pictureWidth: number,
  pictureHeight: number,
  zones: readonly (readonly [number, number])[][],
): boolean {
  const x = (box[0] + box[2] / 2) / pictureWidth;
  const y = (box[1] + box[3]) / pictureHeight;
  return zones.some((zone) => insidePolygon(x, y, zone));
}

/** Even-odd rule (a ray to the right crosses the border an odd number of times). */
export function insidePolygon(x: number, y: number, poly: readonly (readonly [number, number])[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
