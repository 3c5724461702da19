dnl The phpize route (what PIE runs): phpize && ./configure [--with-php-config=...] && make && make install.
dnl The extension is Rust: configure finds cargo and the php-config to build against; the
dnl Makefile fragment builds it with cargo and puts modules/wu_runcloud.so where `make install`
dnl (PHP's install-modules) copies it into that PHP's extension directory.

PHP_ARG_ENABLE([wu_runcloud],
  [whether to enable wu_runcloud (RunCloud domain sync, built with cargo)],
  [AS_HELP_STRING([--enable-wu_runcloud], [Enable wu_runcloud (default: yes)])],
  [yes])

if test "$PHP_WU_RUNCLOUD" != "no"; then
  AC_PATH_PROG([CARGO], [cargo], [no], [$PATH:$HOME/.cargo/bin])
  if test "$CARGO" = "no"; then
    AC_MSG_ERROR([cargo was not found: install Rust 1.80 or newer with rustup (https://rustup.rs), then run configure again])
  fi
  dnl ext-php-rs reads this PHP's headers through php-config (a full path) and libclang.
  WU_RUNCLOUD_PHP_CONFIG=`command -v "$PHP_CONFIG"`
  if test -z "$WU_RUNCLOUD_PHP_CONFIG"; then
    AC_MSG_ERROR([php-config ($PHP_CONFIG) was not found: pass --with-php-config=/path/to/php-config])
  fi
  WU_RUNCLOUD_PHP_VERNUM=`"$WU_RUNCLOUD_PHP_CONFIG" --vernum`
  if test "$WU_RUNCLOUD_PHP_VERNUM" -lt 80100; then
    AC_MSG_ERROR([wu_runcloud needs PHP 8.1 or newer; $WU_RUNCLOUD_PHP_CONFIG is PHP `"$WU_RUNCLOUD_PHP_CONFIG" --version` (7.4 and 8.0 cannot load it)])
  fi
  AC_MSG_CHECKING([for libclang (bindgen reads PHP's headers with it)])
  wu_runcloud_libclang=$LIBCLANG_PATH
  for f in /usr/lib/llvm-*/lib/libclang*.so* /usr/lib/*-linux-gnu/libclang*.so* /usr/lib64/libclang*.so* /usr/local/lib/libclang*.so*; do
    test -e "$f" && wu_runcloud_libclang=$f
  done
  if test -n "$wu_runcloud_libclang"; then
    AC_MSG_RESULT([yes])
  else
    AC_MSG_ERROR([libclang not found: apt-get install clang libclang-dev (or set LIBCLANG_PATH)])
  fi
  PHP_SUBST(CARGO)
  PHP_SUBST(WU_RUNCLOUD_PHP_CONFIG)
  PHP_ADD_MAKEFILE_FRAGMENT([$abs_srcdir/Makefile.frag])
fi
