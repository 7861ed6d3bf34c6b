// rpc-floor answers KEDA's ExternalScaler IsActive and GetMetrics with fixed replies and does
// nothing else: bench-rpc runs the same ghz load against it to show the latency floor that the
// machine and the load generator set, whatever the server behind them does.
//
// No generated code: the service is described by hand and requests and replies are passed as
// encoded protobuf bytes (a raw codec), so the module needs only google.golang.org/grpc.
// It listens on a free loopback port, prints "PORT <n>" and exits when its stdin closes.
package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"

	"google.golang.org/grpc"
)

// rawCodec passes messages through as bytes; its name makes it serve the "proto" content type.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }

func (rawCodec) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = append((*v.(*[]byte))[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

var (
	// IsActiveResponse{result: true}
	isActive = []byte{0x08, 0x01}
	// GetMetricsResponse{metricValues: [{metricName: "s0-x", metricValue: 5}]}
	getMetrics = []byte{0x0a, 0x08, 0x0a, 0x04, 's', '0', '-', 'x', 0x10, 0x05}
)

func fixed(reply []byte) grpc.MethodHandler {
	return func(_ any, _ context.Context, decode func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
		var request []byte
		if err := decode(&request); err != nil {
			return nil, err
		}
		out := reply
		return &out, nil
	}
}

func main() {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "rpc-floor:", err)
		os.Exit(1)
	}
	server := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}))
	server.RegisterService(&grpc.ServiceDesc{
		ServiceName: "externalscaler.ExternalScaler",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{
			{MethodName: "IsActive", Handler: fixed(isActive)},
			{MethodName: "GetMetrics", Handler: fixed(getMetrics)},
		},
	}, struct{}{})
	go func() {
		// The parent holds stdin open; when it goes, so does this server.
		_, _ = bufio.NewReader(os.Stdin).ReadString(0)
		os.Exit(0)
	}()
	fmt.Printf("PORT %d\n", listener.Addr().(*net.TCPAddr).Port)
	if err := server.Serve(listener); err != nil {
		fmt.Fprintln(os.Stderr, "rpc-floor:", err)
		os.Exit(1)
	}
}
