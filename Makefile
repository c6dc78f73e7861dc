# ntm: the Thanh Hóa NTM data warehouse. `make demo` runs the main job, `make test` the tests.
GO       ?= go
BIN      := bin/ntm
DEMO_DIR ?= ntm-demo
FUZZTIME ?= 10s

.PHONY: all build demo test fuzz bench lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/ntm

# The main job on embedded defaults. Until ingest lands it generates the province stream with a
# few bad lines, then validates it as ingest will and prints the summary.
demo: build
	@mkdir -p $(DEMO_DIR)
	@echo "== ntm generate: the Thanh Hóa event stream 2022-2025 (scale small, a few bad lines)"
	$(BIN) generate --seed 1 --scale small --bad-rate 0.001 --out $(DEMO_DIR)/events.ndjson --stats
	@echo
	@echo "== ntm validate: every line judged against the event contract"
	$(BIN) validate $(DEMO_DIR)/events.ndjson
	@echo
	@echo "The stream is in $(DEMO_DIR)/events.ndjson"

# Unit and integration tests, then the decoder's fuzz test for a few seconds.
test:
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./events/

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 5m ./events/

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin $(DEMO_DIR)
