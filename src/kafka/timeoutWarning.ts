/**
 * kafkajs 2.2.4 sets negative timers, which Node 24 clamps to 1 ms as older
 * versions did, with a warning per timer (tulios/kafkajs#1751). The server is
 * started with --disable-warning=TimeoutNegativeWarning; a command run as
 * `node dist/cli.js` or through npx cannot count on the flag, so the command
 * line drops the same warning itself. Kept beside the adapter whose library
 * needs it.
 */

/** Drops Node's TimeoutNegativeWarning for this process; every other warning is still printed. */
export function dropTimeoutNegativeWarning(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    process.stderr.write(`(node:${process.pid}) ${warning.name}: ${warning.message}\n`);
  });
}
