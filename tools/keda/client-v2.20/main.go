// Command keda-client-v2.20 calls a scaler the way KEDA v2.20.2's external scaler does, with
// KEDA v2.20.2's own generated gRPC client (pkg/scalers/externalscaler, whose service has no
// StreamMetricSpec): GetMetricSpec, GetMetrics for the metric name it returned, IsActive, and
// the first message of StreamIsActive. It prints what it got as one JSON object, or one error
// line on stderr and exit status 1.
//
//	keda-client-v2.20 -address 127.0.0.1:9090 -metadata '{"consumerGroup":"g","topic":"t"}'
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	pb "github.com/kedacore/keda/v2/pkg/scalers/externalscaler"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

type answer struct {
	MetricName       string  `json:"metricName"`
	TargetSize       int64   `json:"targetSize"`
	TargetSizeFloat  float64 `json:"targetSizeFloat"`
	MetricValue      int64   `json:"metricValue"`
	MetricValueFloat float64 `json:"metricValueFloat"`
	Active           bool    `json:"active"`
	StreamActive     bool    `json:"streamActive"`
}

func main() {
	address := flag.String("address", "", "the scaler's host:port (plaintext)")
	name := flag.String("name", "app", "ScaledObject name")
	namespace := flag.String("namespace", "default", "ScaledObject namespace")
	metadata := flag.String("metadata", "{}", "trigger metadata, a JSON object of strings")
	flag.Parse()
	if err := run(*address, *name, *namespace, *metadata); err != nil {
		fmt.Fprintf(os.Stderr, "keda-client-v2.20: %v\n", err)
		os.Exit(1)
	}
}

func run(address, name, namespace, metadata string) error {
	ref := &pb.ScaledObjectRef{Name: name, Namespace: namespace}
	if err := json.Unmarshal([]byte(metadata), &ref.ScalerMetadata); err != nil {
		return fmt.Errorf("-metadata: %w", err)
	}
	conn, err := grpc.NewClient(address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	client := pb.NewExternalScalerClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var out answer
	spec, err := client.GetMetricSpec(ctx, ref)
	if err != nil {
		return fmt.Errorf("GetMetricSpec: %w", err)
	}
	if len(spec.MetricSpecs) != 1 {
		return fmt.Errorf("GetMetricSpec: %d metric specs, want 1", len(spec.MetricSpecs))
	}
	out.MetricName = spec.MetricSpecs[0].MetricName
	out.TargetSize = spec.MetricSpecs[0].TargetSize
	out.TargetSizeFloat = spec.MetricSpecs[0].TargetSizeFloat

	metrics, err := client.GetMetrics(ctx, &pb.GetMetricsRequest{ScaledObjectRef: ref, MetricName: out.MetricName})
	if err != nil {
		return fmt.Errorf("GetMetrics: %w", err)
	}
	if len(metrics.MetricValues) != 1 {
		return fmt.Errorf("GetMetrics: %d values, want 1", len(metrics.MetricValues))
	}
	out.MetricValue = metrics.MetricValues[0].MetricValue
	out.MetricValueFloat = metrics.MetricValues[0].MetricValueFloat

	active, err := client.IsActive(ctx, ref)
	if err != nil {
		return fmt.Errorf("IsActive: %w", err)
	}
	out.Active = active.Result

	stream, err := client.StreamIsActive(ctx, ref)
	if err != nil {
		return fmt.Errorf("StreamIsActive: %w", err)
	}
	first, err := stream.Recv()
	if err != nil {
		return fmt.Errorf("StreamIsActive: %w", err)
	}
	out.StreamActive = first.Result

	return json.NewEncoder(os.Stdout).Encode(out)
}
