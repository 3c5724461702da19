# The phpize route's build of the Rust extension (see config.m4). CARGO_TARGET_DIR may point at
# an existing target directory to reuse its build.
all: modules/wu_runcloud.so
build-modules: modules/wu_runcloud.so

.PHONY: wu_runcloud-cargo
wu_runcloud-cargo:
	cd $(top_srcdir) && PHP_CONFIG=$(WU_RUNCLOUD_PHP_CONFIG) PHP=$$($(WU_RUNCLOUD_PHP_CONFIG) --php-binary) \
	  CARGO_TARGET_DIR=$${CARGO_TARGET_DIR:-$(top_builddir)/target} $(CARGO) build --release --locked -p wu_runcloud

modules/wu_runcloud.so: wu_runcloud-cargo
	@mkdir -p modules
	cp $${CARGO_TARGET_DIR:-$(top_builddir)/target}/release/libwu_runcloud.so modules/wu_runcloud.so
