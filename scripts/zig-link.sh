#!/bin/sh
# The linker of `make dist`: the extension itself is linked by zig against the symbol
# versions of glibc $WU_GLIBC (2.31: Ubuntu 20.04, the oldest LTS RunCloud supports),
# with LLVM's libunwind built in instead of the system's libgcc_s (a panic still
# unwinds to the PHP layer); build scripts and proc macros, which run here, are linked
# by the system's cc as usual. Only the link is zig's: the code is compiled as always.
case "$*" in
  *libwu_runcloud*) ;;
  *) exec cc "$@" ;;
esac
args=""
for a in "$@"; do
  case "$a" in
    # GNU ld options that zig's lld driver does not take; neither changes the output here.
    -Wl,--no-undefined-version|-Wl,-znostart-stop-gc) ;;
    -lgcc_s) args="$args -lunwind" ;;
    *) args="$args '$(printf %s "$a" | sed "s/'/'\\\\''/g")'" ;;
  esac
done
eval exec "\"\$WU_ZIG\"" cc -target "x86_64-linux-gnu.${WU_GLIBC:-2.31}" $args
