# wu_runcloud: build, test and demo the RunCloud integration extension.
#   make demo     build, start the simulator, map and unmap domains through the extension
#   make test     every test: lint, cargo tests, PHP-FPM, .phpt tests (plain and under valgrind)
#   make install  release build into `php-config --extension-dir`, plus ini files (and the glue
#                 into MU_PLUGINS=/path/to/wp-content/mu-plugins when given)
#   make e2e      WordPress multisite on nginx + PHP-FPM + MariaDB with the installed extension
#   make bench    the extension against the plain PHP way, over TLS with 50 ms RTT (BENCHMARK.md)
#   make dist     prebuilt archives for PIE (PHP 8.2, 8.4; glibc 2.31), checked without a toolchain
# The PHP built and tested for: the distribution's own (Debian 12: 8.2, Debian 13: 8.4,
# Ubuntu 22.04: 8.1, 24.04: 8.3), or PHP_VERSION=8.3, or PHP_CONFIG=/path/to/php-config
# (e.g. RunCloud's own build). Its phpX.Y-* packages are the ones installed.

CARGO ?= cargo
PHP_VERSION := $(shell PHP_VERSION="$(PHP_VERSION)" PHP_CONFIG="$(PHP_CONFIG)" scripts/php-version.sh 2>/dev/null)
PHP_CONFIG  ?= php-config$(PHP_VERSION)
export PHP_CONFIG PHP_VERSION

# What building needs, and what the tests and the demo add.
# `make install` installs neither: on a server it only checks and says what is missing.
P := php$(PHP_VERSION)
BUILD_PACKAGES := $(P)-dev $(P)-cli clang libclang-dev
TEST_PACKAGES  := $(P)-fpm libfcgi-bin valgrind
BENCH_PACKAGES := $(P)-curl
E2E_PACKAGES   := mariadb-server nginx $(P)-fpm $(P)-mysql $(P)-gd wordpress wordpress-theme-twentytwentythree curl openssl

# Runs a command with PHP=<the PHP binary of PHP_CONFIG>, looked up when the
# recipe runs (after `deps` may have installed PHP), never when make reads this file.
WITH_PHP := scripts/with-php.sh

EXT_DEBUG   := target/debug/libwu_runcloud.so
EXT_RELEASE := target/release/libwu_runcloud.so
SIM         := target/debug/runcloud-sim

.PHONY: deps deps-test deps-e2e bench e2e test-phpize test-php84 dist check-build build build-release test test-rust test-php test-fpm test-leaks fuzz demo install clean fmt lint

deps:
	@[ -n "$(PHP_VERSION)" ] || { env -u PHP_CONFIG -u PHP_VERSION scripts/php-version.sh; exit 1; }
	@scripts/deps.sh $(BUILD_PACKAGES)

deps-test: deps
	@scripts/deps.sh $(TEST_PACKAGES)

deps-e2e: deps
	@scripts/deps.sh $(E2E_PACKAGES)

check-build:
	@scripts/check-build.sh

build: deps
	$(WITH_PHP) $(CARGO) build --workspace
	@ls -l $(EXT_DEBUG) | awk '{print "built", $$NF, "(" $$5 " bytes)"}'

build-release: check-build
	$(WITH_PHP) $(CARGO) build --release -p wu_runcloud

test: deps-test build lint test-rust test-fpm test-php test-leaks

test-rust: build
	$(WITH_PHP) $(CARGO) test --workspace

test-php: build
	@$(WITH_PHP) scripts/run-phpt.sh $(EXT_DEBUG) $(SIM)

# Real php-fpmX.Y workers driven through FastCGI (FPM_REQUESTS, FPM_WORKERS).
test-fpm: deps-test build
	@$(WITH_PHP) scripts/fpm-test.sh $(EXT_DEBUG) $(SIM)

# Release builds of the extension, the simulator and the latency proxy; prints the table.
bench: deps
	@scripts/deps.sh $(BENCH_PACKAGES)
	$(WITH_PHP) $(CARGO) build --release --workspace
	@$(WITH_PHP) scripts/bench.sh $(EXT_RELEASE) target/release/runcloud-sim target/release/latency-proxy

# The .phpt suite and a PHP-FPM smoke test on Debian 13's PHP 8.4, in a Debian 13 root made
# with debootstrap and kept between runs (scripts/test-php84.sh).
test-php84:
	@scripts/test-php84.sh

# Prebuilt archives that PIE installs (PHP 8.2 and 8.4, glibc 2.31 baseline) in
# target/dist/out, each checked in a clean Debian root without Rust or a C compiler.
dist: build
	@scripts/dist.sh

# The phpize route that PIE runs (composer.json, config.m4, Makefile.frag), on a copy of the tree.
test-phpize: deps
	@$(WITH_PHP) scripts/phpize-test.sh

# The .phpt suite under valgrind with PHP's allocator off: leaks and memory errors.
test-leaks: deps-test build
	@USE_ZEND_ALLOC=0 ZEND_DONT_UNLOAD_MODULES=1 \
	  VALGRIND_OPTS="--suppressions=$(CURDIR)/php-tests/valgrind.supp --num-callers=40 --trace-children-skip=*runcloud-sim*" \
	  $(WITH_PHP) scripts/run-phpt.sh $(EXT_DEBUG) $(SIM) -m -d pcre.jit=0

# cargo-fuzz targets, FUZZ_SECONDS each (default 60); crashes are kept as regression tests.
fuzz: deps
	@$(WITH_PHP) scripts/fuzz.sh

demo: build
	@$(WITH_PHP) scripts/demo.sh $(EXT_DEBUG) $(SIM)

# No apt-get here: a production server gets only the extension and its ini files.
install: build-release
	@scripts/install.sh $(EXT_RELEASE) $(PHP_CONFIG)

# The real stack: MariaDB, nginx, PHP-FPM and WordPress multisite with the installed
# extension and the glue, against runcloud-sim over HTTPS (E2E_KEEP=1 leaves it running).
e2e: deps-e2e build install
	@$(WITH_PHP) scripts/e2e.sh $(SIM)

lint: build
	$(CARGO) fmt --all -- --check
	$(WITH_PHP) $(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
	rm -f php-tests/*.log php-tests/*.diff php-tests/*.exp php-tests/*.out php-tests/*.php php-tests/*.sh php-tests/*.mem
