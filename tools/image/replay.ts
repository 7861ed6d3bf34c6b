/**
 * Replays the stages of a Dockerfile in plain folders, without a Docker
 * engine: each stage gets its own root folder, WORKDIR is a folder in it,
 * COPY copies from the build context (filtered by .dockerignore) or from an
 * earlier stage's root, and RUN runs through /bin/sh in the working folder.
 * The base images' contents are not there: RUN steps get the Node and npm
 * the caller puts on PATH instead. What this proves is that the steps, the
 * files they copy and the command the image starts with work together.
 */
import dockerignoreRules from '@balena/dockerignore';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Stage } from './dockerfile.ts';

/**
 * Whether the build context leaves a path out, by Docker's own .dockerignore
 * rules (@balena/dockerignore follows Moby's matcher): patterns anchored at the
 * context root, `*` and `?` within one folder, `**` across folders, `[a-z]`
 * classes and `\` escapes, a pattern that matches a folder matches all below
 * it, the last matching pattern decides. Case-sensitive, as on Linux. The
 * package is CommonJS typed with a default export, hence `.default`.
 */
export function dockerignore(text: string): (relativePath: string) => boolean {
  const rules = dockerignoreRules.default({ ignorecase: false }).add(text);
  return (relativePath) => rules.ignores(relativePath);
}

export interface ReplayOptions {
  readonly contextDir: string;
  /** Each stage's root goes to <workDir>/<stage name>. */
  readonly workDir: string;
  /** Environment for RUN steps (PATH with the Node and npm to use). */
  readonly env: NodeJS.ProcessEnv;
  /** Longest a RUN step may take (default 5 minutes). */
  readonly stepTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface ReplayedStage {
  readonly root: string;
  /** The last WORKDIR, as a folder under root. */
  readonly workdir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly user?: string;
  /** The base image's entrypoint runs these (distroless Node's is node itself). */
  readonly cmd: readonly string[];
  readonly entrypoint?: readonly string[];
}

/** Replays `target` and, first, every stage it copies from. */
export function replayStage(stages: readonly Stage[], target: string, options: ReplayOptions): ReplayedStage {
  const done = new Map<string, ReplayedStage>();
  const ignored = dockerignore(
    existsSync(path.join(options.contextDir, '.dockerignore'))
      ? readFileSync(path.join(options.contextDir, '.dockerignore'), 'utf8')
      : '',
  );
  const run = (name: string): ReplayedStage => {
    const cached = done.get(name);
    if (cached) return cached;
    const stage = stages.find((s) => s.name === name);
    if (!stage) throw new Error(`no stage named ${name} (stages: ${stages.map((s) => s.name).join(', ')})`);
    const result = replayOne(stage, options, ignored, run);
    done.set(name, result);
    return result;
  };
  return run(target);
}

function replayOne(
  stage: Stage,
  options: ReplayOptions,
  ignored: (relativePath: string) => boolean,
  stageRoot: (name: string) => ReplayedStage,
): ReplayedStage {
  const root = path.join(options.workDir, stage.name);
  mkdirSync(root, { recursive: true });
  let workdir = root;
  let user: string | undefined;
  let cmd: readonly string[] = [];
  let entrypoint: readonly string[] | undefined;
  const env: Record<string, string> = {};
  const inRoot = (p: string): string => (path.isAbsolute(p) ? path.join(root, p) : path.join(workdir, p));
  for (const step of stage.instructions) {
    switch (step.kind) {
      case 'WORKDIR':
        workdir = inRoot(step.path);
        mkdirSync(workdir, { recursive: true });
        break;
      case 'COPY': {
        const fromRoot = step.from === undefined ? undefined : stageRoot(step.from).root;
        const destIsDir = step.dest.endsWith('/') || step.sources.length > 1;
        const dest = inRoot(step.dest);
        for (const source of step.sources) {
          const from = fromRoot === undefined ? path.join(options.contextDir, source) : path.join(fromRoot, source);
          if (fromRoot === undefined && ignored(source.replace(/\/$/, ''))) {
            throw new Error(`COPY ${source}: excluded by .dockerignore`);
          }
          if (!existsSync(from)) throw new Error(`COPY ${source}: not found`);
          const target = destIsDir && !statSync(from).isDirectory() ? path.join(dest, path.basename(from)) : dest;
          cpSync(from, target, {
            recursive: true,
            filter: (src) =>
              fromRoot !== undefined || !ignored(path.relative(options.contextDir, src).split(path.sep).join('/')),
          });
        }
        break;
      }
      case 'RUN':
        options.log?.(`[${stage.name}] RUN ${step.command}`);
        execFileSync('/bin/sh', ['-c', step.command], {
          cwd: workdir,
          env: { ...options.env, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
          // A stalled registry must not hang the run: execFileSync blocks mocha's own timeout.
          timeout: options.stepTimeoutMs ?? 300_000,
          killSignal: 'SIGKILL',
        });
        break;
      case 'ENV':
        env[step.name] = step.value;
        break;
      case 'USER':
        user = step.user;
        break;
      case 'LABEL':
      case 'EXPOSE':
        // Metadata of the image; nothing to replay.
        break;
      case 'CMD':
        cmd = step.exec;
        break;
      case 'ENTRYPOINT':
        entrypoint = step.exec;
        break;
    }
  }
  return {
    root,
    workdir,
    env,
    cmd,
    ...(user === undefined ? {} : { user }),
    ...(entrypoint === undefined ? {} : { entrypoint }),
  };
}
