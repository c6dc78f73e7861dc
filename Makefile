# ntm: the Thanh Hóa NTM data warehouse. `make demo` runs the main job, `make test` the tests.
GO       ?= go
# go1.26.10 fixes standard-library vulnerabilities that govulncheck finds in 1.26.8 (net/http,
# crypto/tls, crypto/x509, ...); the go command fetches it from the module proxy once.
export GOTOOLCHAIN ?= go1.26.10
BIN      := bin/ntm
DEMO_DIR ?= ntm-demo
FUZZTIME ?= 10s

.PHONY: all build install demo test fuzz bench microbench reliability reliability-short lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/ntm

# Installs the binary as ntm into $(go env GOPATH)/bin (or GOBIN), so that it runs from anywhere
# as the README's commands are written.
install:
	$(GO) install ./cmd/ntm

# The main job on embedded defaults: ntm demo starts an in-process Kafka-protocol broker,
# generates the province's stream, produces it, ingests it into the Iceberg warehouse, computes
# the indicators, publishes the open data and the ministry report, and prints the province table.
demo: build
	@echo "== building done; running ntm demo (scale small) into $(DEMO_DIR)"
	$(BIN) demo --dir $(DEMO_DIR)

# Unit and integration tests, then the decoder's fuzz test for a few seconds.
test:
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./events/

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 5m ./events/

# The benchmark of issue 8: ingest, yardsticks, memory, queries, storage and the Parquet writers,
# side by side in one run; prints the report and writes BENCHMARKS.md (about 15 minutes).
bench: build
	$(GO) run ./cmd/ntm-bench --ntm $(BIN) --out BENCHMARKS.md

# The reliability and security suite of issue 7 in its full form; writes RELIABILITY.md.
reliability:
	$(GO) run ./cmd/ntm-reliability --out RELIABILITY.md

# Its short form, as CI runs it (the report goes to a scratch file).
reliability-short:
	$(GO) run ./cmd/ntm-reliability --short --out $${TMPDIR:-/tmp}/RELIABILITY-short.md

# The packages' Go benchmarks (micro: decode, produce, dedupe, ...).
microbench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin $(DEMO_DIR)
