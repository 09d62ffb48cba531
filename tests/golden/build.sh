# Sourced by golden.sh and regen.sh: build_progs SRCDIR OUTDIR builds the
# golden programs with fixed flags (not the user's CFLAGS: the expected
# outputs hold line numbers and function names that -O2 would change).
# The C++ program is linked with the C compiler: no libstdc++, whose
# start-up pool Massif sees freed at exit and a preload does not.
GOLD_FLAGS="-g -O0 -fno-omit-frame-pointer -fno-inline -fno-builtin -fno-optimize-sibling-calls"

build_progs() {
	gsrc=$1 gout=$2
	gcc=${GOLD_CC:-gcc}
	gxx=${GOLD_CXX:-g++}
	for p in basic peak churn deep wrappers tree zero; do
		$gcc $GOLD_FLAGS -o "$gout/gold_$p" "$gsrc/gold_$p.c" || return 1
	done
	$gcc -g -O2 -fno-omit-frame-pointer -o "$gout/gold_inline" "$gsrc/gold_inline.c" || return 1
	# A shared library found through the program's RUNPATH ($ORIGIN), so
	# Valgrind and heapsnap load the same one with no environment.
	$gcc $GOLD_FLAGS -fPIC -shared -o "$gout/libgoldlib.so" "$gsrc/gold_lib.c" &&
		$gcc $GOLD_FLAGS -o "$gout/gold_shlib" "$gsrc/gold_shlib.c" -L"$gout" -lgoldlib \
			-Wl,-rpath,'$ORIGIN' || return 1
	$gcc $GOLD_FLAGS -o "$gout/gold_dlopen" "$gsrc/gold_dlopen.c" -Wl,-rpath,'$ORIGIN' ||
		return 1
	$gxx $GOLD_FLAGS -fno-exceptions -fno-rtti -c -o "$gout/gold_cxx.o" "$gsrc/gold_cxx.cc" &&
		$gcc -o "$gout/gold_cxx" "$gout/gold_cxx.o"
}

# The compilers' first --version lines: the expected outputs hold line
# numbers and inline frames as this compiler's debug info gives them.
compiler_id() {
	${GOLD_CC:-gcc} --version 2>/dev/null | head -1
	${GOLD_CXX:-g++} --version 2>/dev/null | head -1
}

# The ms_print output, as compared: addresses masked (each run loads the
# program elsewhere), nothing else touched.
mask_addresses() {
	sed -E 's/0x[0-9A-F]+: /0x...: /g'
}
