import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inZones, insidePolygon } from './zones.js';

/** The lower half of a 100×100 picture. */
const FLOOR: [number, number][][] = [
  [
    [0, 0.5],
    [1, 0.5],
    [1, 1],
    [0, 1],
  ],
];

test('a box counts by its bottom centre: feet in the zone count even with the body outside it', () => {
  // A tall person whose centre (y 40) is above the zone but whose feet (y 60) stand in it.
  assert.equal(inZones([40, 20, 20, 40], 100, 100, FLOOR), true);
  // A person whose body reaches into the zone but whose feet (y 45) are behind it.
  assert.equal(inZones([40, 5, 20, 40], 100, 100, FLOOR), false);
  // In pixels of the picture, whatever its size.
  assert.equal(inZones([800, 400, 200, 200], 1920, 1080, FLOOR), true);
  assert.equal(inZones([800, 100, 200, 300], 1920, 1080, FLOOR), false);
});

test('a point in a concave polygon (even-odd rule), and in one of several zones', () => {
  // A U shape: the notch (0.4…0.6, above 0.5) is outside.
  const u: [number, number][] = [
    [0, 0],
    [0.4, 0],
    [0.4, 0.5],
    [0.6, 0.5],
    [0.6, 0],
    [1, 0],
    [1, 1],
    [0, 1],
  ];
  assert.equal(insidePolygon(0.5, 0.25, u), false);
  assert.equal(insidePolygon(0.5, 0.75, u), true);
  assert.equal(insidePolygon(0.2, 0.25, u), true);
  const left: [number, number][] = [
    [0, 0],
    [0.1, 0],
    [0.1, 0.1],
  ];
  assert.equal(inZones([0, 5, 2, 2], 100, 100, [left]), false);
  assert.equal(inZones([0, 5, 2, 2], 100, 100, [left, ...FLOOR]), false);
  assert.equal(inZones([5, 0, 4, 2], 100, 100, [left]), true);
});
