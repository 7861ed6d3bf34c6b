/**
 * Reads the project's Dockerfile into stages of instructions, so the image
 * can be checked without a Docker engine: `replayStage` (replay.ts) runs a
 * stage's COPY and RUN steps in a plain folder. Only the instructions the
 * Dockerfile uses are understood; anything else is an error, so a new
 * instruction cannot be skipped silently.
 *
 * Hand-written rather than on dockerfile-ast: that parser keeps an indented
 * comment line inside a continued RUN in the command's text (Docker drops
 * it, and /bin/sh then fails on the line after it), and the mapping to the
 * instructions below and their checks would stay, so it would save about
 * 40 lines for three packages.
 */

export type Instruction =
  | { readonly kind: 'WORKDIR'; readonly path: string }
  | { readonly kind: 'COPY'; readonly from?: string; readonly sources: readonly string[]; readonly dest: string }
  | { readonly kind: 'RUN'; readonly command: string }
  | { readonly kind: 'ENV'; readonly name: string; readonly value: string }
  | { readonly kind: 'USER'; readonly user: string }
  | { readonly kind: 'EXPOSE'; readonly ports: readonly number[] }
  | { readonly kind: 'LABEL'; readonly labels: Readonly<Record<string, string>> }
  | { readonly kind: 'CMD' | 'ENTRYPOINT'; readonly exec: readonly string[] };

export interface Stage {
  readonly name: string;
  readonly image: string;
  readonly instructions: readonly Instruction[];
}

/** One logical line per instruction: comments dropped, `\` continuations joined. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1).trimEnd() + ' ';
      continue;
    }
    lines.push((current + line).trim());
    current = '';
  }
  if (current.trim() !== '') lines.push(current.trim());
  return lines;
}

/** `KEY="a b" K2=c` as Docker's LABEL and ENV read it. */
function keyValues(text: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  const pattern = /([A-Za-z0-9_.-]+)=("(?:[^"\\]|\\.)*"|\S+)\s*/gy;
  let match: RegExpExecArray | null;
  let end = 0;
  while ((match = pattern.exec(text)) !== null) {
    const value = match[2]!;
    out[match[1]!] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
    end = pattern.lastIndex;
  }
  if (end !== text.length) throw new Error(`${where}: cannot read "${text.slice(end)}" as KEY=value pairs`);
  return out;
}

function execForm(text: string, where: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${where} must use the exec form ["arg", ...] (no shell at run time), got ${text}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`${where} must be a JSON array of strings, got ${text}`);
  }
  return parsed;
}

/** Parses a Dockerfile; global ARG defaults are substituted into FROM lines. */
export function parseDockerfile(text: string): Stage[] {
  const args: Record<string, string> = {};
  const stages: Array<{ name: string; image: string; instructions: Instruction[] }> = [];
  for (const [index, line] of logicalLines(text).entries()) {
    const where = `instruction ${index + 1}`;
    const space = line.search(/\s/);
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const rest = space < 0 ? '' : line.slice(space + 1).trim();
    if (keyword === 'ARG' && stages.length === 0) {
      const [name, value = ''] = rest.split(/=(.*)/s);
      args[name!] = value;
      continue;
    }
    if (keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!match) throw new Error(`${where}: cannot read FROM ${rest}`);
      const image = match[1]!.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_, braced?: string, bare?: string) => {
        const name = (braced ?? bare)!;
        if (!(name in args)) throw new Error(`${where}: FROM uses undeclared ARG ${name}`);
        return args[name]!;
      });
      stages.push({ name: match[2] ?? String(stages.length), image, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${where}: ${keyword} before the first FROM`);
    stage.instructions.push(instruction(keyword, rest, where));
  }
  return stages;
}

/** `<<EOF`, `<<-EOF`, `<<"EOF"`: a heredoc opener, once arithmetic expansions are left out. */
const HEREDOC = /<<-?\s*["']?[A-Za-z_]/;

/** Whether `text` opens a heredoc; `<<` inside `$((...))` (`$((1<<n))`) is a shift. */
function hasHeredoc(text: string): boolean {
  let rest = text;
  for (let start = rest.indexOf('$(('); start >= 0; start = rest.indexOf('$((', start)) {
    let depth = 0;
    let end = start + 1;
    for (; end < rest.length; end++) {
      if (rest[end] === '(') depth++;
      else if (rest[end] === ')' && --depth === 0) break;
    }
    // An unclosed one is left as it is.
    if (end >= rest.length) break;
    rest = `${rest.slice(0, start)} ${rest.slice(end + 1)}`;
  }
  return HEREDOC.test(rest);
}

function instruction(keyword: string, rest: string, where: string): Instruction {
  switch (keyword) {
    case 'WORKDIR':
      return { kind: 'WORKDIR', path: rest };
    case 'RUN':
      if (hasHeredoc(rest)) {
        throw new Error(`${where}: RUN with a heredoc is not understood; write the commands inline`);
      }
      return { kind: 'RUN', command: rest };
    case 'USER':
      return { kind: 'USER', user: rest };
    case 'EXPOSE':
      return { kind: 'EXPOSE', ports: rest.split(/\s+/).map(Number) };
    case 'LABEL':
      return { kind: 'LABEL', labels: keyValues(rest, where) };
    case 'ENV': {
      const pairs = Object.entries(keyValues(rest, where));
      if (pairs.length !== 1) throw new Error(`${where}: one ENV per line, got ${rest}`);
      return { kind: 'ENV', name: pairs[0]![0], value: pairs[0]![1] };
    }
    case 'CMD':
    case 'ENTRYPOINT':
      return { kind: keyword, exec: execForm(rest, `${where} (${keyword})`) };
    case 'COPY': {
      if (rest.startsWith('[') || hasHeredoc(rest)) {
        throw new Error(`${where}: only the COPY [--from=STAGE] SOURCE... DEST form is understood, got ${rest}`);
      }
      const words = rest.split(/\s+/);
      let from: string | undefined;
      while (words[0]?.startsWith('--')) {
        const flag = words.shift()!;
        if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
        else throw new Error(`${where}: COPY flag ${flag} is not understood`);
      }
      if (words.length < 2) throw new Error(`${where}: COPY needs a source and a destination`);
      const dest = words.pop()!;
      return from === undefined ? { kind: 'COPY', sources: words, dest } : { kind: 'COPY', from, sources: words, dest };
    }
    default:
      throw new Error(`${where}: ${keyword} is not understood by tools/image/dockerfile.ts`);
  }
}
