/**
 * The local cluster's build step fails with one line that names what is
 * missing (the cluster itself runs in the e2e suite, test/e2e/).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCluster, ClusterError } from './localCluster.ts';

describe('local cluster build', () => {
  it('without Go on PATH: one ClusterError line naming what is needed', async () => {
    const lines: string[] = [];
    // A PATH with what build.sh runs before it looks for Go, and no Go, wherever Go is installed.
    const bin = mkdtempSync(path.join(os.tmpdir(), 'kstreams-nogo-'));
    for (const tool of ['bash', 'dirname']) symlinkSync(`/usr/bin/${tool}`, path.join(bin, tool));
    try {
      await assert.rejects(
        buildCluster((line) => lines.push(line), { PATH: bin, HOME: '/nonexistent' }),
        (err: unknown) => {
          assert.ok(err instanceof ClusterError);
          assert.equal(
            err.message,
            "k8s cluster: building the binaries failed: cluster build: FAILED: no 'go' on PATH (Kubernetes v1.36.4 and KEDA v2.21.0 need Go >= 1.26)",
          );
          assert.ok(!err.message.includes('\n'));
          return true;
        },
      );
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
    assert.deepEqual(lines, [
      "cluster build: FAILED: no 'go' on PATH (Kubernetes v1.36.4 and KEDA v2.21.0 need Go >= 1.26)",
    ]);
  });
});
