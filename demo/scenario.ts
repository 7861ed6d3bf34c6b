/**
 * The demo's script: idle, a burst of records, then watch the workload drain
 * it and scale back to zero. Time drives the producer (idle, then the burst);
 * what the KEDA loop observes drives the rest (drain while the trigger is
 * active, cool-down while instances remain, zero once they are all gone).
 * With `repeat`, a new cycle (idle, burst, ...) starts each time the workload
 * is back at zero. Pure: the caller passes the time and the observations.
 */

export type Phase = 'idle' | 'burst' | 'drain' | 'cool-down' | 'zero';

export interface ScenarioSettings {
  /** Quiet time at the start of each cycle. */
  readonly idleMs: number;
  /** How long the producer bursts. */
  readonly burstMs: number;
  /** Records per second during the burst. */
  readonly burstPerSecond: number;
  /** A run without `repeat` is overdue if it is not back at zero this long after it started. */
  readonly giveUpMs: number;
}

/** What the KEDA loop saw at one polling interval. */
export interface Observation {
  /** The trigger's IsActive answer. */
  readonly active: boolean;
  /** The replica count KEDA and the HPA settled on. */
  readonly replicas: number;
  /** Instances still alive (starting, running or stopping). */
  readonly instances: number;
}

export interface Step {
  readonly phase: Phase;
  /** 1 for the first cycle, counting up with `repeat`. */
  readonly cycle: number;
  /** The scripted run is over: back at zero after its burst (never with `repeat`). */
  readonly finished: boolean;
}

export class Scenario {
  readonly settings: ScenarioSettings;
  readonly repeat: boolean;
  readonly #startedAt: number;
  #cycleStart: number;
  #cycle = 1;
  /** Whether instances ran in this cycle: zero means something only after they did. */
  #scaled = false;
  #finished = false;

  constructor(settings: ScenarioSettings, repeat: boolean, startedAt: number) {
    this.settings = settings;
    this.repeat = repeat;
    this.#startedAt = startedAt;
    this.#cycleStart = startedAt;
  }

  /** Records per second the producer should send at `now`. */
  ratePerSecond(now: number): number {
    if (this.#finished) return 0;
    const t = now - this.#cycleStart;
    const { idleMs, burstMs, burstPerSecond } = this.settings;
    return t >= idleMs && t < idleMs + burstMs ? burstPerSecond : 0;
  }

  /** The phase at `now` given what was observed; moves to the next cycle after zero when repeating. */
  step(now: number, seen: Observation): Step {
    const t = now - this.#cycleStart;
    const { idleMs, burstMs } = this.settings;
    if (seen.replicas > 0 || seen.instances > 0) this.#scaled = true;
    let phase: Phase;
    if (t < idleMs) phase = 'idle';
    else if (t < idleMs + burstMs) phase = 'burst';
    else if (seen.active || !this.#scaled) phase = 'drain';
    else if (seen.replicas > 0 || seen.instances > 0) phase = 'cool-down';
    else phase = 'zero';

    const cycle = this.#cycle;
    if (phase === 'zero') {
      if (this.repeat) {
        this.#cycle++;
        this.#cycleStart = now;
        this.#scaled = false;
      } else {
        this.#finished = true;
      }
    }
    return { phase, cycle, finished: this.#finished };
  }

  /** A run without `repeat` that is still not back at zero after `giveUpMs`. */
  overdue(now: number): boolean {
    return !this.repeat && !this.#finished && now - this.#startedAt > this.settings.giveUpMs;
  }
}
