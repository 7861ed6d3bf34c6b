/** A JVM child process of the Kafka harness (a Kafka node, a Kafka Streams app); see ManagedProcess. */
import { ManagedProcess, type ProcessFiles } from '../managedProcess.ts';
import { HarnessError } from './harnessError.ts';

export class JvmProcess extends ManagedProcess {
  /** @param args everything after `java` */
  constructor(name: string, args: readonly string[], files: ProcessFiles) {
    super(name, 'java', args, files, (message, cause) =>
      message.startsWith('java is not')
        ? new HarnessError('java is not on PATH; the harness needs Java 17 or newer', { cause })
        : new HarnessError(message, { cause }),
    );
  }
}
