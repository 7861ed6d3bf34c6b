# kstreams-scaler. Every target runs on the Node 24 that `npm ci` installs into
# node_modules/.bin (the `node` dev dependency), whatever node is on PATH.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
# kafkajs 2.2.4 sets a negative timer on Node 24 (tulios/kafkajs#1751); Node
# clamps it to 1 ms exactly as older versions did, so only the warning goes.
NODE := node --disable-warning=TimeoutNegativeWarning
INSTALLED := node_modules/.installed

.PHONY: help install chromium build proto typecheck lint format format-check test test-unit test-integration \
        start demo explain json-schemas bench bench-history bench-first-decision bench-fuzz bench-soak bench-scale bench-cycle bench-rpc ghz keda-kafka-bench sim sim-docs k8s-schemas kafka clean \
        e2e demo-keda cluster

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{ printf "  %-18s %s\n", $$1, $$2 }'

$(INSTALLED): package.json package-lock.json
	npm ci
	@touch $@

install: $(INSTALLED) ## npm ci (Node 24 comes with it)

chromium: ## Debian's chromium for the status page's browser test, installed when missing
	scripts/ensure-chromium.sh

build: $(INSTALLED) ## compile src/ to dist/
	rm -rf dist
	tsc -p tsconfig.build.json

proto: $(INSTALLED) ## regenerate src/generated/ from proto/
	buf generate

typecheck: $(INSTALLED) ## type-check everything
	tsc -p tsconfig.json

lint: $(INSTALLED) ## eslint, and the import layers of src/ (.dependency-cruiser.js)
	eslint --max-warnings 0 .
	depcruise --config .dependency-cruiser.js --output-type err-long src

format: $(INSTALLED) ## rewrite files with prettier
	prettier --write --log-level warn .

format-check: $(INSTALLED) ## check formatting
	prettier --check --log-level warn .

test: $(INSTALLED) chromium ## every check, unit and integration tests on a real Kafka (4.x, then 3.9.1), e2e with the real KEDA
	scripts/test.sh all

test-unit: $(INSTALLED) ## everything that needs no broker
	scripts/test.sh unit

test-integration: $(INSTALLED) chromium ## integration tests only, on KAFKA_VERSION (default 4.x)
	TEST_SUMMARY_FILE= mocha --config .mocharc.integration.json

e2e: $(INSTALLED) ## end-to-end scenarios with the real KEDA operator and HPA on a local Kubernetes (builds it once: 20-25 min)
	TEST_SUMMARY_FILE= mocha --config .mocharc.e2e.json

demo: $(INSTALLED) ## the main job: local Kafka, the scaler, a Kafka Streams app scaled as KEDA would (ARGS=--keep-running)
	$(NODE) demo/demo.ts $(ARGS)

demo-keda: $(INSTALLED) ## the demo with the real KEDA operator and HPA on a local Kubernetes (make demo ARGS=--keda)
	$(NODE) demo/demo.ts --keda $(ARGS)

explain: $(INSTALLED) ## show a trigger's partitions, topology and decision: make explain ARGS="--bootstrap-servers H:P --group G"
	@$(NODE) src/cli.ts explain $(ARGS)

start: build ## run the built server (configure with SCALER_* variables)
	npm start

bench: $(INSTALLED) ## print what one decision costs per strategy at 100, 300 and 1000 partitions
	$(NODE) bench/strategyCost.ts

bench-history: $(INSTALLED) ## bytes of poll history per partition per minute, idle and busy partitions
	$(NODE) --expose-gc bench/historyBytes.ts $(ARGS)

bench-first-decision: $(INSTALLED) ## first decision of a new trigger on 15 min of history per strategy, per-poll ones after it, what its request pays; ARGS="--partitions 1000 --runs 5"
	$(NODE) bench/firstDecision.ts $(ARGS)

bench-fuzz: $(INSTALLED) ## fuzz trigger metadata over gRPC against a local Kafka: FUZZ_MAPS maps (10000) of FUZZ_SEED
	$(NODE) bench/metadataFuzz.ts

bench-soak: $(INSTALLED) ## soak the scaler process under KEDA's calls; RSS, heap, fds, CPU per minute (TRIGGERS=200 MINUTES=10)
	$(NODE) bench/soak.ts

bench-scale: $(INSTALLED) ## Kafka requests per 30 s counted on a 3-node broker, this scaler beside KEDA's kafka scaler; ARGS="--scenarios 1,100 --no-keda"
	$(NODE) bench/scale.ts $(ARGS)

bench-cycle: $(INSTALLED) ## cycle time and scaler memory at 2,000 groups x 20,000 partitions on a 3-node Kafka; ARGS="--groups 2000 --partitions 10 --minutes 4"
	$(NODE) bench/cycle.ts $(ARGS)

bench-rpc: $(INSTALLED) ## GetMetrics/IsActive latency with ghz at 5,000 RPC/s over 1,000 polling triggers, then the same load on two fixed-reply servers (the floor); ARGS="--triggers 1000 --rps 5000 --duration 30s --no-floor"
	$(NODE) bench/rpcLatency.ts $(ARGS)

ghz: ## build ghz (gRPC load generator, Go, in ~/.cache) and print its path
	@bench/ghz/build.sh

keda-kafka-bench: ## build the driver of KEDA's own kafka scaler (Go, in ~/.cache) and print its path; ARGS="-bootstrap H:P -groups G1,G2 -topic T" also runs it
	@bin=$$(bench/keda-kafka/build.sh) && echo "$$bin"$(if $(ARGS), && "$$bin" $(ARGS))

sim: $(INSTALLED) ## replay every load trace against every strategy; table, JSON and SVGs in bench/sim/out/
	$(NODE) bench/sim/cli.ts

sim-docs: $(INSTALLED) ## the same into docs/sim/ (the results docs/simulator.md shows); commit them
	$(NODE) bench/sim/cli.ts --out docs/sim
	prettier --write --log-level warn docs/sim

json-schemas: $(INSTALLED) ## write docs/cluster-profiles.schema.json (SCALER_CLUSTERS_FILE's JSON Schema) from src/clusterProfiles.ts
	$(NODE) --input-type=module -e "import { writeFileSync } from 'node:fs'; import { profilesJsonSchema } from './src/clusterProfiles.ts'; writeFileSync('docs/cluster-profiles.schema.json', JSON.stringify(profilesJsonSchema(), null, 2) + '\\n');"
	prettier --write --log-level warn docs/cluster-profiles.schema.json

k8s-schemas: $(INSTALLED) ## refresh the Kubernetes, KEDA and cert-manager schemas deploy/ is validated against
	$(NODE) tools/k8s/vendorSchemas.ts

cluster: $(INSTALLED) ## run a local Kubernetes control plane with the real KEDA until Ctrl-C; prints KUBECONFIG
	$(NODE) tools/k8s/cli.ts $(ARGS)

kafka: $(INSTALLED) ## run a local Kafka broker until Ctrl-C (KAFKA_VERSION, PORT=...)
	$(NODE) tools/kafka/cli.ts start $(if $(PORT),--port $(PORT))

clean: ## remove build output and caches (Kafka jars included)
	rm -rf dist .cache
