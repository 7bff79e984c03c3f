import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../core/logger.js';
import { nodeCameraSpool } from './camera-spool.js';

test("a node's spool folder; journals an earlier kadr left per camera are moved into it", () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kadr-spool-'));
  try {
    const camera = '0b8f3c1e-5d2a-4c7e-9f10-2a3b4c5d6e7f';
    mkdirSync(path.join(root, 'cameras', camera), { recursive: true });
    writeFileSync(path.join(root, 'cameras', camera, 'seg.journal'), 'frames');
    // Another node's folder is not a camera's: left alone.
    mkdirSync(path.join(root, 'cameras', 'other-host_8080', camera), { recursive: true });

    const dir = nodeCameraSpool(root, 'host:8080', silentLogger);
    assert.equal(dir, path.join(root, 'cameras', 'host_8080'));
    assert.equal(readFileSync(path.join(dir, camera, 'seg.journal'), 'utf8'), 'frames');
    assert.equal(existsSync(path.join(root, 'cameras', camera)), false);
    assert.equal(existsSync(path.join(root, 'cameras', 'other-host_8080', camera)), true);
    // Again: nothing left to move, same folder.
    assert.equal(nodeCameraSpool(root, 'host:8080', silentLogger), dir);
    assert.equal(nodeCameraSpool(root, '.hidden', silentLogger), path.join(root, 'cameras', '_hidden'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
