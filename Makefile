# ntm: the Thanh Hóa NTM data warehouse. `make demo` runs the main job, `make test` the tests.
GO       ?= go
BIN      := bin/ntm
DEMO_DIR ?= ntm-demo
FUZZTIME ?= 10s

.PHONY: all build demo test fuzz bench lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/ntm

# The main job on embedded defaults, as far as it exists until `ntm demo` lands: a Kafka-protocol
# broker on a free local port, the province's event stream with a few bad lines, produced to
# Kafka, ingested into the Iceberg warehouse exactly once, then queried and verified.
DEMO_PORT ?= 39092
demo: build
	@rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	@echo "== ntm broker: a Kafka-protocol broker on 127.0.0.1:$(DEMO_PORT)"
	@$(BIN) broker --addr 127.0.0.1:$(DEMO_PORT) > $(DEMO_DIR)/broker.log 2>&1 & echo $$! > $(DEMO_DIR)/broker.pid
	@trap 'kill $$(cat $(DEMO_DIR)/broker.pid) 2>/dev/null || true' EXIT; set -e; sleep 0.3; \
	echo "== ntm generate: the Thanh Hóa event stream 2022-2025 (scale small, a few bad lines)"; \
	$(BIN) generate --seed 1 --scale small --bad-rate 0.001 --out $(DEMO_DIR)/events.ndjson --stats; \
	echo; echo "== ntm produce: every line to Kafka, key = unit_code"; \
	$(BIN) produce --brokers 127.0.0.1:$(DEMO_PORT) --topic ntm.events.v1 $(DEMO_DIR)/events.ndjson; \
	echo; echo "== ntm ingest: Kafka -> Arrow -> Parquet -> Iceberg, exactly once, dead letters"; \
	$(BIN) ingest --brokers 127.0.0.1:$(DEMO_PORT) --topic ntm.events.v1 --group ntm-demo --warehouse $(DEMO_DIR)/warehouse --until-caught-up; \
	echo; echo "== ntm sql: events per type, dead letters per reason"; \
	$(BIN) sql --warehouse $(DEMO_DIR)/warehouse "SELECT event_type, count(*) AS events FROM events_log GROUP BY 1 ORDER BY 1"; \
	$(BIN) sql --warehouse $(DEMO_DIR)/warehouse "SELECT reason, count(*) AS lines FROM dead_letters GROUP BY 1 ORDER BY 1"; \
	echo; echo "== ntm verify"; \
	$(BIN) verify --warehouse $(DEMO_DIR)/warehouse; \
	echo; echo "The warehouse is in $(DEMO_DIR)/warehouse; query it with: $(BIN) sql --warehouse $(DEMO_DIR)/warehouse"

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
