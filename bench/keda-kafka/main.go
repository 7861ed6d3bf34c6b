// Command keda-kafka-bench runs KEDA's own `kafka` scaler (github.com/kedacore/keda/v2
// pkg/scalers/kafka_scaler.go, backed by sarama) against a Kafka cluster the way the KEDA
// operator and the HPA call it, so a benchmark can count the Kafka requests it causes on the
// broker, side by side with kstreams-scaler.
//
// What is reproduced from KEDA v2.21.0 (pkg/scaling/scale_handler.go, pkg/scaling/cache):
//
//   - One ScaledObject per trigger, each with its own scalers cache (cache.ScalersCache, KEDA's
//     own type) holding one kafka scaler, that is one sarama client + ClusterAdmin. The cache is
//     reused by every call of both paths below, as the operator's scaleHandler.scalerCaches is.
//   - The operator's scale loop: every -poll, GetMetricSpecForScalingForScaler and then
//     GetMetricsAndActivityForScaler (which, on an error, rebuilds the scaler and retries once).
//   - The HPA path (HPA -> metrics adapter -> operator GetScaledObjectMetrics): every -hpa, the
//     same two calls on the same cache; with -use-cached-metrics the last poll's record is served
//     instead (useCachedMetrics: true).
//   - After a call that still failed, the whole cache is dropped and closed asynchronously
//     (ClearScalersCache); the next call builds a new scaler, hence a new sarama client.
//   - With -min-replicas >= 1 and no -use-cached-metrics the scale loop reuses the HPA's last
//     observation instead of asking the scaler (ScaledObject.UsesHPAObservations, new in v2.21.0),
//     once the HPA has asked at least once.
//
// Not reproduced: Kubernetes itself, fallback, scaling modifiers, the 3 s adapter->operator
// deadline (the kafka scaler ignores its context anyway).
//
// The calls of different triggers are spread evenly over each interval. The Kafka client id is
// the only change on the wire: KEDA sends sarama's default "sarama"; -client-id (default
// keda-kafka-bench) replaces it through sarama.SetBenchClientID, which build.sh adds to a patched
// copy of the sarama version KEDA pins. This file only builds that way, inside a copy of KEDA's
// module (its go.mod has replace directives); run bench/keda-kafka/build.sh.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/IBM/sarama"
	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"k8s.io/metrics/pkg/apis/external_metrics"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kedacore/keda/v2/pkg/scalers"
	"github.com/kedacore/keda/v2/pkg/scalers/scalersconfig"
	"github.com/kedacore/keda/v2/pkg/scaling/cache"
)

// kedaVersion is the KEDA module this driver is built against (build.sh pins the same).
const kedaVersion = "v2.21.0"

// Operator default for KEDA_HTTP_DEFAULT_TIMEOUT (cmd/operator/main.go); the kafka scaler does
// not use it, it is set as the operator sets it.
const globalHTTPTimeout = 3000 * time.Millisecond

// errorMessageMax bounds the error messages kept in the report.
const errorMessageMax = 200

// shutdownGrace is how long in-flight calls may run on after -duration or a signal (sarama's
// own timeouts are 30 s and the scaler ignores its context).
const shutdownGrace = 15 * time.Second

type options struct {
	bootstrap        string
	groups           []string
	topics           []string
	lagThreshold     int64
	extra            map[string]string
	duration         time.Duration
	poll             time.Duration
	hpa              time.Duration
	clientID         string
	namespace        string
	useCachedMetrics bool
	minReplicas      int
	verbose          int
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "keda-kafka-bench: %v\n", err)
		os.Exit(2)
	}
	logf.SetLogger(stderrLogger(opts.verbose))
	sarama.SetBenchClientID(opts.clientID)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// After the first signal the default handling comes back: a second one ends the process.
	context.AfterFunc(ctx, stop)
	report := run(ctx, opts)
	out, _ := json.Marshal(report)
	fmt.Println(string(out))
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("keda-kafka-bench", flag.ContinueOnError)
	bootstrap := fs.String("bootstrap", "", "Kafka bootstrap servers host:port[,host:port...] (required)")
	groups := fs.String("groups", "", "consumer groups, comma-separated: one trigger (ScaledObject) each")
	prefix := fs.String("group-prefix", "", "with -count: groups PREFIX0..PREFIX(N-1), zero-padded to the width of N-1")
	count := fs.Int("count", 0, "number of groups made from -group-prefix")
	topic := fs.String("topic", "", "topic of every trigger (empty and no -topics: KEDA's topic-less mode)")
	topics := fs.String("topics", "", "one topic per group, comma-separated, in the order of the groups")
	lagThreshold := fs.Int64("lag-threshold", 10, "lagThreshold of every trigger")
	extra := fs.String("metadata", "", "more trigger metadata, k=v[,k=v...] (e.g. offsetResetPolicy=earliest,allowIdleConsumers=true)")
	duration := fs.Duration("duration", 30*time.Second, "run time; the driver then closes every scaler and exits (0: until SIGINT/SIGTERM)")
	poll := fs.Duration("poll", 30*time.Second, "KEDA pollingInterval (operator scale loop); 0 disables the loop")
	hpa := fs.Duration("hpa", 15*time.Second, "HPA sync period (HPA -> metrics adapter -> operator); 0 disables the path (workload at 0 replicas)")
	clientID := fs.String("client-id", "keda-kafka-bench", "Kafka client id of every sarama client (KEDA itself sends \"sarama\")")
	namespace := fs.String("namespace", "bench", "namespace of the simulated ScaledObjects")
	useCached := fs.Bool("use-cached-metrics", false, "trigger useCachedMetrics: true (the HPA path reads the last poll's record)")
	minReplicas := fs.Int("min-replicas", 0, "ScaledObject minReplicaCount; >= 1 lets the scale loop reuse the HPA's observations (KEDA v2.21.0)")
	verbose := fs.Int("v", 0, "log level on stderr: 0 errors, 1 every call, 2 also KEDA's debug lines")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	o := options{
		bootstrap: strings.TrimSpace(*bootstrap), lagThreshold: *lagThreshold, duration: *duration,
		poll: *poll, hpa: *hpa, clientID: *clientID, namespace: *namespace,
		useCachedMetrics: *useCached, minReplicas: *minReplicas, verbose: *verbose,
	}
	var problems []string
	if o.bootstrap == "" {
		problems = append(problems, "-bootstrap is required")
	}
	switch {
	case *groups != "" && (*prefix != "" || *count != 0):
		problems = append(problems, "-groups cannot be combined with -group-prefix/-count")
	case *groups != "":
		o.groups = splitList(*groups)
	case *prefix != "" && *count > 0:
		width := len(strconv.Itoa(*count - 1))
		for i := range *count {
			o.groups = append(o.groups, fmt.Sprintf("%s%0*d", *prefix, width, i))
		}
	default:
		problems = append(problems, "give -groups, or -group-prefix with -count > 0")
	}
	switch {
	case *topic != "" && *topics != "":
		problems = append(problems, "-topic and -topics cannot be set together")
	case *topics != "":
		o.topics = splitList(*topics)
		if len(o.topics) != len(o.groups) {
			problems = append(problems, fmt.Sprintf("-topics has %d topics for %d groups", len(o.topics), len(o.groups)))
		}
	default:
		for range o.groups {
			o.topics = append(o.topics, *topic)
		}
	}
	if o.lagThreshold <= 0 {
		problems = append(problems, "-lag-threshold must be > 0")
	}
	o.extra = map[string]string{}
	for _, kv := range splitList(*extra) {
		k, v, ok := strings.Cut(kv, "=")
		switch {
		case !ok || k == "":
			problems = append(problems, fmt.Sprintf("-metadata entry %q is not k=v", kv))
		case k == "bootstrapServers" || k == "consumerGroup" || k == "topic" || k == "lagThreshold":
			problems = append(problems, fmt.Sprintf("-metadata cannot set %q (it has its own flag)", k))
		default:
			o.extra[k] = v
		}
	}
	if o.duration < 0 || o.poll < 0 || o.hpa < 0 {
		problems = append(problems, "-duration, -poll and -hpa cannot be negative")
	}
	if o.poll == 0 && o.hpa == 0 {
		problems = append(problems, "-poll and -hpa cannot both be 0")
	}
	// sarama's Config.Validate rule for client ids.
	if !regexp.MustCompile(`\A[A-Za-z0-9._-]+\z`).MatchString(o.clientID) {
		problems = append(problems, fmt.Sprintf("-client-id %q: only letters, digits, '.', '_' and '-'", o.clientID))
	}
	if len(problems) > 0 {
		return options{}, errors.New(strings.Join(problems, "; "))
	}
	return o, nil
}

func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func stderrLogger(verbose int) logr.Logger {
	// KEDA's scalers log their per-call details at V(1); they only show with -v 2.
	kedaLevel := 0
	if verbose >= 2 {
		kedaLevel = 1
	}
	return funcr.New(func(prefix, args string) {
		fmt.Fprintf(os.Stderr, "%s %s %s\n", time.Now().UTC().Format("15:04:05.000"), prefix, args)
	}, funcr.Options{Verbosity: kedaLevel})
}

// trigger is one simulated ScaledObject with one kafka trigger.
type trigger struct {
	index        int
	name         string
	group, topic string
	metadata     map[string]string

	mu       sync.Mutex // guards cache (and its build) and the record fields below
	sc       *cache.ScalersCache
	poll     *record // last record of the scale loop (useCachedMetrics)
	observed *record // last record of the HPA path (UsesHPAObservations)

	stats triggerStats
}

type record struct {
	metricName string
	value      float64
	active     bool
	err        error
}

type triggerStats struct {
	mu         sync.Mutex
	metricName string
	value      float64
	active     bool
	hasValue   bool
	calls      int
	errors     int
}

// driver holds the state shared by every trigger.
type driver struct {
	opts     options
	triggers []*trigger
	log      logr.Logger

	pollObservations, hpaObservations atomic.Int64
	cachedReads                       atomic.Int64
	scalerCalls                       atomic.Int64
	scalersBuilt, scalersClosed       atomic.Int64
	buildErrors                       atomic.Int64
	closing                           sync.WaitGroup // asynchronous cache closes (ClearScalersCache)
	errMu                             sync.Mutex
	errorsByMessage                   map[string]int
	errorCount                        int
}

// Report is the JSON line printed at the end.
type Report struct {
	Keda             string          `json:"keda"`
	Scaler           string          `json:"scaler"`
	Triggers         int             `json:"triggers"`
	Bootstrap        string          `json:"bootstrap"`
	ClientID         string          `json:"clientId"`
	Poll             string          `json:"poll"`
	HPA              string          `json:"hpa"`
	Duration         string          `json:"duration"`
	UseCachedMetrics bool            `json:"useCachedMetrics"`
	MinReplicas      int             `json:"minReplicas"`
	Calls            CallCounts      `json:"calls"`
	ScalersBuilt     int64           `json:"scalersBuilt"`
	ScalersClosed    int64           `json:"scalersClosed"`
	BuildErrors      int64           `json:"scalerBuildErrors"`
	ErrorCount       int             `json:"errorCount"`
	Errors           map[string]int  `json:"errors"`
	Metrics          []TriggerReport `json:"metrics"`
	Unfinished       int64           `json:"unfinishedCalls"`
	WallSeconds      float64         `json:"wallSeconds"`
	StoppedBy        string          `json:"stoppedBy"`
}

// CallCounts separates what KEDA asked for from what reached the scaler.
type CallCounts struct {
	Poll        int64 `json:"poll"`        // scale-loop observations
	HPA         int64 `json:"hpa"`         // HPA-path observations
	CachedReads int64 `json:"cachedReads"` // observations answered without the scaler
	Scaler      int64 `json:"scaler"`      // GetMetricsAndActivity calls on kafka scalers (KEDA's retries included)
}

// TriggerReport is the last state of one trigger.
type TriggerReport struct {
	ScaledObject string   `json:"scaledObject"`
	Group        string   `json:"group"`
	Topic        string   `json:"topic,omitempty"`
	MetricName   string   `json:"metricName,omitempty"`
	Value        *float64 `json:"value"`
	Active       bool     `json:"active"`
	Calls        int      `json:"calls"`
	Errors       int      `json:"errors"`
}

func run(ctx context.Context, opts options) Report {
	start := time.Now()
	d := &driver{opts: opts, log: logf.Log.WithName("keda-kafka-bench"), errorsByMessage: map[string]int{}}
	width := len(strconv.Itoa(len(opts.groups) - 1))
	for i, group := range opts.groups {
		md := map[string]string{
			"bootstrapServers": opts.bootstrap,
			"consumerGroup":    group,
			"lagThreshold":     strconv.FormatInt(opts.lagThreshold, 10),
		}
		if opts.topics[i] != "" {
			md["topic"] = opts.topics[i]
		}
		for k, v := range opts.extra {
			md[k] = v
		}
		d.triggers = append(d.triggers, &trigger{
			index: i, name: fmt.Sprintf("kafka-bench-%0*d", width, i),
			group: group, topic: opts.topics[i], metadata: md,
		})
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if opts.duration > 0 {
		timer := time.AfterFunc(opts.duration, cancel)
		defer timer.Stop()
	}

	// Calls run on their own goroutines so that a slow call delays only its own trigger's
	// schedule, as in KEDA (one scale loop per ScaledObject, HPA syncs in parallel workers).
	var inFlight sync.WaitGroup
	var unfinished atomic.Int64
	n := len(d.triggers)
	for _, t := range d.triggers {
		if opts.poll > 0 {
			offset := opts.poll * time.Duration(t.index) / time.Duration(n)
			inFlight.Go(func() { d.loop(runCtx, t, offset, opts.poll, d.pollOnce, &unfinished) })
		}
		if opts.hpa > 0 {
			offset := opts.hpa * time.Duration(t.index) / time.Duration(n)
			inFlight.Go(func() { d.loop(runCtx, t, offset, opts.hpa, d.hpaOnce, &unfinished) })
		}
	}
	<-runCtx.Done()
	stoppedBy := "duration"
	if ctx.Err() != nil {
		stoppedBy = "signal"
	}
	if !waitTimeout(&inFlight, shutdownGrace) {
		d.log.Info("calls still running after the grace period; closing the scalers under them", "grace", shutdownGrace.String())
	}

	// Close every cache (and so every sarama client) as the operator does when a ScaledObject
	// goes away, then wait for the asynchronous closes of dropped caches.
	closeCtx := context.Background()
	for _, t := range d.triggers {
		t.mu.Lock()
		if t.sc != nil {
			t.sc.Close(closeCtx)
			t.sc = nil
		}
		t.mu.Unlock()
	}
	waitTimeout(&d.closing, shutdownGrace)

	return d.report(start, stoppedBy, unfinished.Load())
}

// loop calls once at offset, then every interval (KEDA's scale loop starts its timer before the
// check, so the period stays the interval unless a check takes longer).
func (d *driver) loop(ctx context.Context, t *trigger, offset, interval time.Duration, once func(context.Context, *trigger), unfinished *atomic.Int64) {
	timer := time.NewTimer(offset)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return
	case <-timer.C:
	}
	for {
		timer.Reset(interval)
		unfinished.Add(1)
		once(context.WithoutCancel(ctx), t)
		unfinished.Add(-1)
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
	}
}

// pollOnce is one tick of the operator's scale loop for the trigger's ScaledObject.
func (d *driver) pollOnce(ctx context.Context, t *trigger) {
	d.pollObservations.Add(1)
	if d.opts.minReplicas >= 1 && !d.opts.useCachedMetrics {
		t.mu.Lock()
		observed := t.observed
		t.mu.Unlock()
		if observed != nil {
			d.cachedReads.Add(1)
			d.logCall(t, "poll (HPA observation)", observed)
			return
		}
	}
	rec := d.observe(ctx, t)
	if d.opts.useCachedMetrics {
		t.mu.Lock()
		t.poll = rec
		t.mu.Unlock()
	}
	d.logCall(t, "poll", rec)
}

// hpaOnce is one HPA query through the metrics adapter (GetScaledObjectMetrics).
func (d *driver) hpaOnce(ctx context.Context, t *trigger) {
	d.hpaObservations.Add(1)
	if d.opts.useCachedMetrics {
		t.mu.Lock()
		cached := t.poll
		t.mu.Unlock()
		if cached != nil {
			d.cachedReads.Add(1)
			d.logCall(t, "hpa (cached)", cached)
			return
		}
	}
	rec := d.observe(ctx, t)
	if d.opts.minReplicas >= 1 && !d.opts.useCachedMetrics {
		t.mu.Lock()
		t.observed = rec
		t.mu.Unlock()
	}
	d.logCall(t, "hpa", rec)
}

// observe does what KEDA does for one external metric of one ScaledObject: get the cache (build
// it when there is none), GetMetricSpecForScalingForScaler, GetMetricsAndActivityForScaler; on a
// scaler error, drop the cache (ClearScalersCache) so that the next call builds a new one.
func (d *driver) observe(ctx context.Context, t *trigger) *record {
	sc, err := d.scalersCache(ctx, t)
	if err != nil {
		d.countError(t, err)
		return &record{err: err}
	}
	specs, err := sc.GetMetricSpecForScalingForScaler(ctx, 0)
	if errors.Is(err, cache.ErrCacheClosed) {
		return &record{err: err}
	}
	if err != nil {
		d.countError(t, err)
		d.clearScalersCache(t, sc)
		return &record{err: err}
	}
	var rec *record
	for _, spec := range specs {
		if spec.External == nil {
			continue
		}
		metricName := spec.External.Metric.Name
		metrics, active, _, err := sc.GetMetricsAndActivityForScaler(ctx, 0, metricName)
		if errors.Is(err, cache.ErrCacheClosed) {
			return &record{metricName: metricName, err: err}
		}
		rec = &record{metricName: metricName, active: active, err: err}
		if err == nil {
			rec.value = sumMetrics(metrics)
		}
	}
	if rec == nil {
		rec = &record{err: errors.New("no external metric spec")}
	}
	if rec.err != nil {
		d.countError(t, rec.err)
		d.clearScalersCache(t, sc)
		return rec
	}
	t.stats.mu.Lock()
	t.stats.metricName, t.stats.value, t.stats.active, t.stats.hasValue = rec.metricName, rec.value, rec.active, true
	t.stats.mu.Unlock()
	return rec
}

func sumMetrics(metrics []external_metrics.ExternalMetricValue) float64 {
	sum := 0.0
	for _, m := range metrics {
		sum += m.Value.AsApproximateFloat64()
	}
	return sum
}

// scalersCache returns the trigger's cache, building it (one kafka scaler) when there is none,
// as scaleHandler.performGetScalersCache does.
func (d *driver) scalersCache(ctx context.Context, t *trigger) (*cache.ScalersCache, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sc != nil {
		return t.sc, nil
	}
	factory := d.factory(t)
	scaler, config, err := factory(ctx)
	if err != nil {
		d.buildErrors.Add(1)
		if scaler != nil {
			_ = scaler.Close(ctx)
		}
		return nil, err
	}
	t.sc = &cache.ScalersCache{
		Scalers:           []cache.ScalerBuilder{{Scaler: scaler, ScalerConfig: *config, Factory: factory}},
		ReaderDrainBudget: max(5*time.Second, 2*globalHTTPTimeout),
	}
	return t.sc, nil
}

// clearScalersCache drops the cache if it is still the trigger's, and closes it in the
// background (scaleHandler.ClearScalersCache).
func (d *driver) clearScalersCache(t *trigger, sc *cache.ScalersCache) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sc != sc {
		return
	}
	t.sc = nil
	d.closing.Go(func() { sc.Close(context.Background()) })
}

// factory is the scaler factory of KEDA's buildScalers for a `kafka` trigger without
// authenticationRef and without a scale target's env (nothing to resolve).
func (d *driver) factory(t *trigger) cache.ScalerFactory {
	return func(ctx context.Context) (scalers.Scaler, *scalersconfig.ScalerConfig, error) {
		config := &scalersconfig.ScalerConfig{
			ScalableObjectName:      t.name,
			ScalableObjectNamespace: d.opts.namespace,
			ScalableObjectType:      "ScaledObject",
			TriggerName:             "",
			TriggerMetadata:         t.metadata,
			TriggerType:             "kafka",
			TriggerUseCachedMetrics: d.opts.useCachedMetrics,
			ResolvedEnv:             map[string]string{},
			AuthParams:              map[string]string{},
			GlobalHTTPTimeout:       globalHTTPTimeout,
			TriggerIndex:            0,
			TriggerUniqueKey:        fmt.Sprintf("ScaledObject-%s-%s-%d", d.opts.namespace, t.name, 0),
		}
		scaler, err := scalers.NewKafkaScaler(ctx, config)
		if err != nil {
			return nil, config, err
		}
		d.scalersBuilt.Add(1)
		return &countingScaler{Scaler: scaler, d: d, t: t}, config, nil
	}
}

// countingScaler counts the calls that reach a kafka scaler and its closes; it changes nothing.
type countingScaler struct {
	scalers.Scaler
	d      *driver
	t      *trigger
	closed atomic.Bool
}

func (s *countingScaler) GetMetricsAndActivity(ctx context.Context, metricName string) ([]external_metrics.ExternalMetricValue, bool, error) {
	s.d.scalerCalls.Add(1)
	s.t.stats.mu.Lock()
	s.t.stats.calls++
	s.t.stats.mu.Unlock()
	return s.Scaler.GetMetricsAndActivity(ctx, metricName)
}

func (s *countingScaler) Close(ctx context.Context) error {
	if s.closed.CompareAndSwap(false, true) {
		s.d.scalersClosed.Add(1)
	}
	return s.Scaler.Close(ctx)
}

func (d *driver) countError(t *trigger, err error) {
	msg := err.Error()
	if len(msg) > errorMessageMax {
		msg = msg[:errorMessageMax] + "..."
	}
	d.errMu.Lock()
	d.errorsByMessage[msg]++
	d.errorCount++
	d.errMu.Unlock()
	t.stats.mu.Lock()
	t.stats.errors++
	t.stats.mu.Unlock()
	d.log.Error(err, "kafka scaler call failed", "scaledObject", t.name, "group", t.group)
}

func (d *driver) logCall(t *trigger, path string, rec *record) {
	if d.opts.verbose < 1 || rec.err != nil {
		return
	}
	fmt.Fprintf(os.Stderr, "%s %s %s group=%s topic=%s metric=%s value=%g active=%t\n",
		time.Now().UTC().Format("15:04:05.000"), path, t.name, t.group, t.topic, rec.metricName, rec.value, rec.active)
}

func (d *driver) report(start time.Time, stoppedBy string, unfinished int64) Report {
	r := Report{
		Keda: kedaVersion, Scaler: "kafka", Triggers: len(d.triggers), Bootstrap: d.opts.bootstrap,
		ClientID: d.opts.clientID, Poll: d.opts.poll.String(), HPA: d.opts.hpa.String(),
		Duration: d.opts.duration.String(), UseCachedMetrics: d.opts.useCachedMetrics, MinReplicas: d.opts.minReplicas,
		Calls: CallCounts{
			Poll: d.pollObservations.Load(), HPA: d.hpaObservations.Load(),
			CachedReads: d.cachedReads.Load(), Scaler: d.scalerCalls.Load(),
		},
		ScalersBuilt: d.scalersBuilt.Load(), ScalersClosed: d.scalersClosed.Load(),
		BuildErrors: d.buildErrors.Load(),
		Unfinished:  unfinished, StoppedBy: stoppedBy,
		WallSeconds: float64(time.Since(start).Milliseconds()) / 1000,
	}
	d.errMu.Lock()
	r.ErrorCount, r.Errors = d.errorCount, d.errorsByMessage
	d.errMu.Unlock()
	for _, t := range d.triggers {
		t.stats.mu.Lock()
		tr := TriggerReport{
			ScaledObject: t.name, Group: t.group, Topic: t.topic, MetricName: t.stats.metricName,
			Active: t.stats.active, Calls: t.stats.calls, Errors: t.stats.errors,
		}
		if t.stats.hasValue {
			v := t.stats.value
			tr.Value = &v
		}
		t.stats.mu.Unlock()
		r.Metrics = append(r.Metrics, tr)
	}
	sort.Slice(r.Metrics, func(i, j int) bool { return r.Metrics[i].ScaledObject < r.Metrics[j].ScaledObject })
	return r
}

// waitTimeout waits for wg; false when the timeout came first.
func waitTimeout(wg *sync.WaitGroup, timeout time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}
