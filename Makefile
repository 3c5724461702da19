# wu_runcloud: build, test and demo the RunCloud integration extension.
#   make demo     build, start the simulator, map and unmap domains through the extension
#   make test     every test: lint, cargo tests, PHP-FPM, .phpt tests (plain and under valgrind)
#   make install  release build into `php-config --extension-dir`, plus ini files
# PHP_CONFIG=/path/to/php-config picks another PHP (e.g. RunCloud's own build).

PHP_CONFIG ?= php-config
CARGO      ?= cargo
APT_PACKAGES := php8.2-dev php8.2-cli php8.2-fpm libfcgi-bin clang libclang-dev valgrind

# ext-php-rs builds against the PHP that PHP_CONFIG belongs to.
PHP_BIN = $(shell $(PHP_CONFIG) --php-binary 2>/dev/null || echo php)
export PHP := $(PHP_BIN)

EXT_DEBUG   := target/debug/libwu_runcloud.so
EXT_RELEASE := target/release/libwu_runcloud.so
SIM         := target/debug/runcloud-sim

.PHONY: deps build build-release test test-rust test-php test-fpm test-leaks fuzz demo install clean fmt lint

deps:
	@scripts/deps.sh $(APT_PACKAGES)

build: deps
	$(CARGO) build --workspace
	@ls -l $(EXT_DEBUG) | awk '{print "built", $$NF, "(" $$5 " bytes)"}'

build-release: deps
	$(CARGO) build --release -p wu_runcloud

test: build lint test-rust test-fpm test-php test-leaks

test-rust:
	$(CARGO) test --workspace

test-php: build
	@scripts/run-phpt.sh $(EXT_DEBUG) $(SIM)

# Real php-fpm8.2 workers driven through FastCGI (FPM_REQUESTS, FPM_WORKERS).
test-fpm: build
	@scripts/fpm-test.sh $(EXT_DEBUG) $(SIM)

# The .phpt suite under valgrind with PHP's allocator off: leaks and memory errors.
test-leaks: build
	@USE_ZEND_ALLOC=0 ZEND_DONT_UNLOAD_MODULES=1 \
	  VALGRIND_OPTS="--suppressions=$(CURDIR)/php-tests/valgrind.supp --num-callers=40 --trace-children-skip=*runcloud-sim*" \
	  scripts/run-phpt.sh $(EXT_DEBUG) $(SIM) -m -d pcre.jit=0

# cargo-fuzz targets, FUZZ_SECONDS each (default 60); crashes are kept as regression tests.
fuzz: deps
	@scripts/fuzz.sh

demo: build
	@scripts/demo.sh $(EXT_DEBUG) $(SIM)

install: build-release
	@scripts/install.sh $(EXT_RELEASE) $(PHP_CONFIG)

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
	rm -f php-tests/*.log php-tests/*.diff php-tests/*.exp php-tests/*.out php-tests/*.php php-tests/*.sh php-tests/*.mem
