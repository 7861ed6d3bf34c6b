/**
 * The local cluster's build step fails with one line that names what is
 * missing (the cluster itself runs in the e2e suite, test/e2e/).
 */
import assert from 'node:assert/strict';
import { buildCluster, ClusterError } from './localCluster.ts';

describe('local cluster build', () => {
  it('without Go on PATH: one ClusterError line naming what is needed', async () => {
    const lines: string[] = [];
    await assert.rejects(
      buildCluster((line) => lines.push(line), { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/nonexistent' }),
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
    assert.deepEqual(lines, [
      "cluster build: FAILED: no 'go' on PATH (Kubernetes v1.36.4 and KEDA v2.21.0 need Go >= 1.26)",
    ]);
  });
});
