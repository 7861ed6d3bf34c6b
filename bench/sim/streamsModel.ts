/**
 * A simulated Kafka Streams application, writing its offsets into a
 * MemoryKafka so the real poller and strategies see it as they would see
 * Kafka. Two sub-topologies: `events` → re-key → `<app>-counts-repartition`
 * → a stateful aggregation. Every replica has one stream thread.
 *
 * What it models, because scaling decisions live or die by it:
 * - capacity: a replica spends `replicaCapacity` work units a second on its
 *   tasks, equal records from each task with records waiting; a record costs
 *   `costSource` or `costRepartition`; one task (one partition) is worked by
 *   one thread at a time;
 * - rebalances: joining replicas, and members whose session timed out
 *   (Kafka Streams does not leave the group on close, and a crashed pod
 *   cannot), stop every task for `rebalancePauseMs`; the group reports
 *   PreparingRebalance meanwhile;
 * - start-up and warm-up: a new pod joins after `startupMs`; a stateful task
 *   that moves restores its state for `warmupMs` before it processes;
 * - commits: each pod commits its tasks every `commitIntervalMs` (Kafka
 *   Streams' at-least-once default is 30 s) on its own timer, started when
 *   it joins, so committed lag is a sawtooth per pod and pods are not in step.
 * Ground truth (records waiting, age of the oldest waiting record) comes
 * from the model itself, not from the scaler.
 */
import type { MemoryKafka } from '../../src/kafka/memoryKafka.ts';

export interface AppParams {
  readonly appId: string;
  readonly partitions: number;
  readonly replicaCapacity: number;
  readonly costSource: number;
  readonly costRepartition: number;
  readonly commitIntervalMs: number;
  readonly rebalancePauseMs: number;
  readonly sessionTimeoutMs: number;
  readonly startupMs: number;
  readonly warmupMs: number;
}

export const DEFAULT_APP: AppParams = {
  appId: 'sim-app',
  partitions: 12,
  replicaCapacity: 150,
  costSource: 0.2,
  costRepartition: 1,
  commitIntervalMs: 30_000,
  rebalancePauseMs: 10_000,
  sessionTimeoutMs: 45_000,
  startupMs: 20_000,
  warmupMs: 30_000,
};

interface Task {
  readonly id: string;
  readonly topic: string;
  readonly partition: number;
  readonly stateful: boolean;
  /** Records processed (the position). */
  position: number;
  /** The last committed position. */
  committed: number;
  owner: number | undefined;
  /** No processing before this time (state restoring after a move). */
  warmUntil: number;
  /** Append times of records not yet processed: [end offset after the append, time]. */
  readonly appends: Array<[number, number]>;
  /** Fractions of a record appended and processed, carried to the next step. */
  appendCarry: number;
  processCarry: number;
}

interface Pod {
  readonly id: number;
  /** Joined the group (processing once no rebalance is running). */
  joined: boolean;
  readyAt: number;
  /** Gone (scaled in or crashed), still a member until its session times out. */
  goneAt: number | undefined;
  /** When its commit timer next fires (set when it joins). */
  commitAt: number;
}

export interface Truth {
  /** Records produced and not yet processed, over both topics. */
  readonly waiting: number;
  /** Age (s) of the oldest record not yet processed. */
  readonly latencySeconds: number;
}

export class SimStreamsApp {
  readonly params: AppParams;
  readonly sourceTopic = 'events';
  readonly repartitionTopic: string;
  readonly #kafka: MemoryKafka;
  readonly #tasks: Task[] = [];
  /** Tasks by topic and partition. */
  readonly #byPartition = new Map<string, Task>();
  #pods: Pod[] = [];
  #nextPod = 0;
  #pausedUntil = 0;
  /** Pods (by id) that left and whose session has not expired yet. */
  #ghosts: Pod[] = [];

  constructor(kafka: MemoryKafka, params: AppParams = DEFAULT_APP) {
    this.params = params;
    this.repartitionTopic = `${params.appId}-counts-repartition`;
    this.#kafka = kafka;
    kafka.createTopic(this.sourceTopic, params.partitions).createTopic(this.repartitionTopic, params.partitions);
    for (let p = 0; p < params.partitions; p++) {
      this.#tasks.push(this.#newTask(this.sourceTopic, p, false), this.#newTask(this.repartitionTopic, p, true));
    }
    for (const task of this.#tasks) this.#byPartition.set(task.id, task);
  }

  /** Pods that exist (starting, joined), what a replica count is billed for. */
  get replicas(): number {
    return this.#pods.length;
  }

  /**
   * Starts with `replicas` pods already running and their tasks restored
   * (the state before a trace). Their commit timers are spread evenly over
   * the commit interval, the first pod's `commitPhaseMs` into it (so with 0
   * it first commits a whole interval after the start).
   */
  start(replicas: number, now: number, commitPhaseMs = 0): void {
    const interval = this.params.commitIntervalMs;
    for (let i = 0; i < replicas; i++) {
      const into = (commitPhaseMs + Math.round((i * interval) / replicas)) % interval;
      this.#pods.push({
        id: this.#nextPod++,
        joined: true,
        readyAt: now,
        goneAt: undefined,
        commitAt: now + interval - into,
      });
    }
    this.#assign(now);
    // An application that ran before: every partition has a committed offset.
    for (const task of this.#tasks) {
      task.warmUntil = now;
      this.#kafka.commit(this.params.appId, task.topic, task.partition, task.position);
    }
    this.#publishGroup(now);
  }

  /** The Deployment's replica count, as KEDA and the HPA set it. */
  setReplicas(target: number, now: number): void {
    while (this.#pods.length < target) this.#pods.push(this.#newPod(now + this.params.startupMs));
    while (this.#pods.length > target) this.#leave(this.#pods.pop()!, now);
  }

  /**
   * `count` running pods crash. As in Kubernetes, each stays a pod (it is
   * still billed and still counts towards the Deployment's replicas) whose
   * container the kubelet restarts after `restartMs`; the restarted
   * application starts up and joins as a new member. The crashed member
   * stays in the group, holding its tasks, until its session times out.
   */
  crash(count: number, now: number, restartMs: number): void {
    for (const pod of this.#pods.filter((p) => p.joined).slice(0, count)) {
      this.#ghosts.push({ ...pod, goneAt: now });
      Object.assign(pod, this.#newPod(now + restartMs + this.params.startupMs));
    }
  }

  /** Appends `records` to the source topic, spread by `weights` (one per partition, summing to 1). */
  produce(records: number, weights: readonly number[], now: number): void {
    this.#append(this.sourceTopic, records, weights, now);
  }

  /** Advances the application by `dtMs`. */
  step(now: number, dtMs: number): void {
    const p = this.params;
    // Pods that finished starting join; sessions of gone pods expire: both rebalance.
    const joining = this.#pods.filter((pod) => !pod.joined && pod.readyAt <= now);
    const expired = this.#ghosts.filter((g) => g.goneAt! + p.sessionTimeoutMs <= now);
    if (joining.length > 0 || expired.length > 0) {
      for (const pod of joining) {
        pod.joined = true;
        pod.commitAt = now + p.commitIntervalMs;
      }
      this.#ghosts = this.#ghosts.filter((g) => !expired.includes(g));
      this.#pausedUntil = now + p.rebalancePauseMs;
      this.#assign(now);
    }
    if (now >= this.#pausedUntil) this.#process(now, dtMs);
    for (const pod of this.#pods) {
      if (!pod.joined || pod.commitAt > now) continue;
      while (pod.commitAt <= now) pod.commitAt += p.commitIntervalMs;
      for (const task of this.#tasks) {
        if (task.owner !== pod.id || task.committed === task.position) continue;
        task.committed = task.position;
        this.#kafka.commit(p.appId, task.topic, task.partition, task.position);
      }
    }
    this.#publishGroup(now);
  }

  /**
   * Deletes what was committed from the logs, as retention of the source and
   * Kafka Streams' purge of repartition topics would, so a long run stays small.
   */
  applyRetention(): void {
    for (const task of this.#tasks) this.#kafka.truncate(task.topic, task.partition, task.committed);
  }

  /** What is really waiting, for judging the scaler. */
  truth(now: number): Truth {
    let waiting = 0;
    let oldest = now;
    for (const task of this.#tasks) {
      const end = Number(this.#kafka.endOffset(task.topic, task.partition));
      waiting += end - task.position;
      const first = task.appends.find(([endAfter]) => endAfter > task.position);
      if (first) oldest = Math.min(oldest, first[1]);
    }
    return { waiting, latencySeconds: (now - oldest) / 1000 };
  }

  /** Records waiting per partition of each topic (ground truth, for the oracle). */
  backlog(): { source: number[]; repartition: number[] } {
    const of = (topic: string): number[] =>
      Array.from({ length: this.params.partitions }, (_, p) => this.#backlog(this.#byPartition.get(`${topic}-${p}`)!));
    return { source: of(this.sourceTopic), repartition: of(this.repartitionTopic) };
  }

  #newTask(topic: string, partition: number, stateful: boolean): Task {
    return {
      id: `${topic}-${partition}`,
      topic,
      partition,
      stateful,
      position: 0,
      committed: 0,
      owner: undefined,
      warmUntil: 0,
      appends: [],
      appendCarry: 0,
      processCarry: 0,
    };
  }

  #newPod(readyAt: number): Pod {
    return { id: this.#nextPod++, joined: false, readyAt, goneAt: undefined, commitAt: Infinity };
  }

  #isRunning(podId: number): boolean {
    return this.#pods.some((pod) => pod.id === podId && pod.joined);
  }

  #leave(pod: Pod, now: number): void {
    if (!pod.joined) return;
    pod.goneAt = now;
    this.#ghosts.push(pod);
  }

  /**
   * Sticky, balanced assignment over the joined pods, in the manner of Kafka
   * Streams' high-availability assignor: stateful tasks are balanced first,
   * then stateless ones; a task stays where it is unless its pod has more
   * than its share. A stateful task that moves warms up.
   */
  #assign(now: number): void {
    const members = this.#pods.filter((pod) => pod.joined).map((pod) => pod.id);
    if (members.length === 0) {
      for (const task of this.#tasks) task.owner = undefined;
      return;
    }
    this.#balance(
      this.#tasks.filter((t) => t.stateful),
      members,
      now,
    );
    this.#balance(
      this.#tasks.filter((t) => !t.stateful),
      members,
      now,
    );
  }

  #balance(tasks: readonly Task[], members: readonly number[], now: number): void {
    const share = Math.ceil(tasks.length / members.length);
    const floor = Math.floor(tasks.length / members.length);
    const load = new Map(members.map((id) => [id, 0]));
    const total = (id: number): number => this.#tasks.filter((t) => t.owner === id).length;
    const homeless: Task[] = [];
    for (const task of tasks) {
      if (task.owner !== undefined && load.has(task.owner) && load.get(task.owner)! < share) {
        load.set(task.owner, load.get(task.owner)! + 1);
      } else {
        homeless.push(task);
      }
    }
    const give = (task: Task, to: number): void => {
      if (task.owner !== undefined && load.has(task.owner)) load.set(task.owner, load.get(task.owner)! - 1);
      this.#move(task, to, now);
      load.set(to, load.get(to)! + 1);
    };
    for (const task of homeless) {
      task.owner = undefined;
      const to = members.reduce((best, m) =>
        load.get(m)! < load.get(best)! || (load.get(m) === load.get(best) && total(m) < total(best)) ? m : best,
      );
      give(task, to);
    }
    // Pods below the floor (new ones) take tasks from pods above it.
    for (const id of members) {
      while (load.get(id)! < floor) {
        const donor = members.find((d) => load.get(d)! > floor);
        const moving = donor === undefined ? undefined : tasks.find((t) => t.owner === donor);
        if (!moving) break;
        give(moving, id);
      }
    }
  }

  #move(task: Task, owner: number, now: number): void {
    if (task.owner === owner) return;
    task.owner = owner;
    if (task.stateful) task.warmUntil = now + this.params.rebalancePauseMs + this.params.warmupMs;
  }

  #process(now: number, dtMs: number): void {
    const p = this.params;
    const byPod = new Map<number, Task[]>();
    for (const task of this.#tasks) {
      if (task.owner === undefined || !this.#isRunning(task.owner) || task.warmUntil > now) continue;
      let list = byPod.get(task.owner);
      if (!list) byPod.set(task.owner, (list = []));
      list.push(task);
    }
    const repartitioned = new Array<number>(p.partitions).fill(0);
    for (const tasks of byPod.values()) {
      // A stream thread works its tasks in turn, a batch of records from each:
      // equal records per task, so a costly task takes more of the thread's
      // time; what a task with little waiting leaves goes to the others.
      let budget = p.replicaCapacity * (dtMs / 1000);
      let open = tasks
        .map((task) => ({ task, cost: task.stateful ? p.costRepartition : p.costSource }))
        .filter(({ task }) => this.#backlog(task) > 0);
      while (budget > 1e-9 && open.length > 0) {
        const share = budget / open.reduce((sum, item) => sum + item.cost, 0);
        const next: typeof open = [];
        for (const item of open) {
          const waiting = this.#backlog(item.task);
          const records = Math.min(waiting, share);
          this.#advance(item.task, records);
          if (!item.task.stateful) repartitioned[item.task.partition] = repartitioned[item.task.partition]! + records;
          budget -= records * item.cost;
          if (records < waiting - 1e-9) next.push(item);
        }
        if (next.length === open.length) break;
        open = next;
      }
    }
    // Re-keyed records go to the repartition partition of the same key: the skew of the source carries over.
    for (let partition = 0; partition < p.partitions; partition++) {
      const records = repartitioned[partition]!;
      if (records > 0) this.#appendTo(this.#byPartition.get(`${this.repartitionTopic}-${partition}`)!, records, now);
    }
  }

  #backlog(task: Task): number {
    return Number(this.#kafka.endOffset(task.topic, task.partition)) - task.position;
  }

  /** Processes (a fraction of) records; whole records only reach the position. */
  #advance(task: Task, records: number): void {
    const carried = task.processCarry + records;
    const whole = Math.floor(carried + 1e-9);
    task.processCarry = carried - whole;
    task.position += whole;
    while (task.appends.length > 0 && task.appends[0]![0] <= task.position) task.appends.shift();
  }

  #append(topic: string, records: number, weights: readonly number[], now: number): void {
    weights.forEach((weight, partition) => {
      if (weight > 0) this.#appendTo(this.#byPartition.get(`${topic}-${partition}`)!, records * weight, now);
    });
  }

  /** Appends whole records to a task's partition; fractions carry over to the next append. */
  #appendTo(task: Task, records: number, now: number): void {
    const carried = task.appendCarry + records;
    const whole = Math.floor(carried + 1e-9);
    task.appendCarry = carried - whole;
    if (whole <= 0) return;
    this.#kafka.produce(task.topic, task.partition, whole, now);
    task.appends.push([Number(this.#kafka.endOffset(task.topic, task.partition)), now]);
  }

  #publishGroup(now: number): void {
    const members = [...this.#pods.filter((pod) => pod.joined), ...this.#ghosts];
    const state = members.length === 0 ? 'Empty' : now < this.#pausedUntil ? 'PreparingRebalance' : 'Stable';
    this.#kafka.setGroup(this.params.appId, {
      state,
      // As a classic Kafka Streams group shows it: each member's partitions, with the sub-topology of their task.
      members: members.map((pod) => ({
        memberId: `member-${pod.id}`,
        clientId: `${this.params.appId}-pod${pod.id}-StreamThread-1-consumer`,
        partitions: this.#tasks
          .filter((task) => task.owner === pod.id)
          .map((task) => ({ topic: task.topic, partition: task.partition, subTopology: task.stateful ? '1' : '0' })),
      })),
    });
  }
}

/** Weights sending everything to one partition. */
export function oneHot(partitions: number, hot: number): number[] {
  return Array.from({ length: partitions }, (_, p) => (p === hot ? 1 : 0));
}

/** Equal weights. */
export function uniform(partitions: number): number[] {
  return Array.from({ length: partitions }, () => 1 / partitions);
}
