/* frames: which frame of an allocation's call path names it for the user. */
#include "config.h"

#include "frames.h"

#include <string.h>

/* Functions that allocate for their caller (C libraries). */
static const char *const c_wrappers[] = {
	"malloc",
	"calloc",
	"realloc",
	"reallocarray",
	"free",
	"memalign",
	"posix_memalign",
	"aligned_alloc",
	"valloc",
	"pvalloc",
	"strdup",
	"strndup",
	"__strdup",
	"__strndup",
	"wcsdup",
	"asprintf",
	"vasprintf",
	"__asprintf",
	"__vasprintf_internal",
	"__vasprintf_chk",
	"__asprintf_chk",
	"open_memstream",
	"getline",
	"getdelim",
	"__getdelim",
	"realpath",
	"scandir",
	"fopen",
	"fopen64",
	"fdopen",
	"__fopen_internal",
	"_IO_new_fopen",
	"opendir",
	"__alloc_dir",
	"xmalloc",
	"xcalloc",
	"xrealloc",
	"xstrdup",
	"g_malloc",
	"g_malloc0",
	"g_malloc_n",
	"g_malloc0_n",
	"g_realloc",
	"g_realloc_n",
	"g_try_malloc",
	"g_try_malloc0",
	"g_try_realloc",
	"g_strdup",
	"g_strndup",
	"g_memdup",
	"g_memdup2",
	"g_strdup_printf",
	"g_strdup_vprintf",
	"g_slice_alloc",
	"g_slice_alloc0",
	"PyMem_Malloc",
	"PyMem_RawMalloc",
	"PyObject_Malloc",
	"__cxa_allocate_exception",
	NULL,
};

/* Rust's std functions the compiler inlines into the caller: their frames
 * carry the short name only ("alloc_impl (alloc.rs:312)"). */
static const char *const rust_wrappers[] = {
	"alloc",
	"alloc_zeroed",
	"alloc_impl",
	"alloc_impl_runtime",
	"allocate",
	"allocate_zeroed",
	"allocate_in",
	"try_allocate_in",
	"realloc",
	"grow",
	"grow_impl",
	"grow_one",
	"grow_amortized",
	"grow_exact",
	"finish_grow",
	"reserve",
	"reserve_exact",
	"reserve_for_push",
	"do_reserve_and_handle",
	"with_capacity",
	"with_capacity_in",
	"from_elem",
	"exchange_malloc",
	"box_new",
	"new_uninit",
	"new_uninit_in",
	"try_new_uninit_in",
	"to_vec",
	"to_vec_in",
	"to_owned",
	"to_string",
	"spec_to_string",
	"push_str",
	"extend_from_slice",
	"extend_trusted",
	"spec_extend",
	"from_iter",
	"format",
	"format_inner",
	"__rust_alloc",
	"__rust_realloc",
	"__rust_alloc_zeroed",
	"__rdl_alloc",
	"__rdl_realloc",
	"__rdl_alloc_zeroed",
	"__rg_alloc",
	"__rg_realloc",
	NULL,
};

/* Source files of Rust's std, as Massif names them (the base name). */
static const char *const rust_files[] = {
	"alloc.rs",
	"raw_vec.rs",
	"boxed.rs",
	"spec_from_elem.rs",
	"spec_extend.rs",
	"spec_from_iter.rs",
	"spec_from_iter_nested.rs",
	"in_place_collect.rs",
	"string.rs",
	"slice.rs",
	"str.rs",
	"rc.rs",
	"sync.rs",
	"borrow.rs",
	"map.rs",
	"set.rs",
	"node.rs",
	"entry.rs",
	"vec_deque.rs",
	"fmt.rs",
	NULL,
};

/* Qualified names of library code. */
static const char *const lib_prefixes[] = {
	"std::",   "__gnu_cxx::", "__cxxabiv1::", "alloc::", "core::",  "hashbrown::",
	"__rust_", "__rdl_",      "__rg_",        "_IO_",    "__libc_", NULL,
};

static bool in_list(const char *const *list, const char *s, size_t n)
{
	for (; *list; list++)
		if (strlen(*list) == n && memcmp(*list, s, n) == 0)
			return true;
	return false;
}

static bool has_prefix(const char *const *list, const char *s, size_t n)
{
	for (; *list; list++) {
		size_t k = strlen(*list);
		if (k <= n && memcmp(*list, s, k) == 0)
			return true;
	}
	return false;
}

static const char *find(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(s + i, needle, k) == 0)
			return s + i;
	return NULL;
}

bool hs_frame_is_wrapper(const char *frame, size_t len)
{
	/* Split "name (where)": where is the last parenthesised group. */
	const char *name = frame, *where = NULL;
	size_t name_len = len, where_len = 0;
	if (len > 0 && frame[len - 1] == ')') {
		int depth = 0;
		for (size_t i = len; i-- > 0;) {
			if (frame[i] == ')')
				depth++;
			else if (frame[i] == '(' && --depth == 0) {
				if (i > 0 && frame[i - 1] == ' ') {
					where = frame + i + 1;
					where_len = len - i - 2;
					name_len = i - 1;
				}
				break;
			}
		}
	}
	/* A system library without debug information. */
	if (where != NULL && where_len > 3 && memcmp(where, "in /", 4) == 0) {
		static const char *const sys[] = { "in /lib/", "in /lib64/", "in /usr/lib/",
						   "in /usr/lib64/", NULL };
		if (has_prefix(sys, where, where_len))
			return true;
	}
	/* Rust's std sources (when the path is kept) and libstdc++'s headers. */
	if (where != NULL && (find(where, where_len, "/rustc/") != NULL ||
			      (where_len > 8 && memcmp(where, "library/", 8) == 0) ||
			      find(where, where_len, "/include/c++/") != NULL))
		return true;

	if (find(name, name_len, "operator new") != NULL ||
	    find(name, name_len, "operator delete") != NULL)
		return true;

	/* The qualified name: after a C++ return type ("void std::vector<...>
	 * ::_M_realloc_insert<...>(...)"), before the parameters. */
	const char *q = name;
	size_t q_len = name_len;
	int depth = 0;
	for (size_t i = 0; i < name_len; i++) {
		char c = name[i];
		if (c == '<' || c == '[')
			depth++;
		else if ((c == '>' || c == ']') && depth > 0 &&
			 !(c == '>' && i > 0 && name[i - 1] == '-'))
			depth--;
		else if (depth == 0 && c == '(') {
			q_len = (size_t)(name + i - q);
			break;
		} else if (depth == 0 && c == ' ') {
			q = name + i + 1;
			q_len = name_len - i - 1;
		}
	}
	if (in_list(c_wrappers, q, q_len) || has_prefix(lib_prefixes, q, q_len))
		return true;

	/* Rust's "<X as Y>::f": library code when X is std's, or a bare
	 * generic type implementing a std trait ("<T as alloc::...>"). */
	if (q_len > 0 && q[0] == '<') {
		const char *as = find(q, q_len, " as ");
		const char *x = q + 1;
		size_t x_len = as ? (size_t)(as - x) : q_len - 1;
		if (has_prefix(lib_prefixes, x, x_len))
			return true;
		if (as != NULL && find(x, x_len, "::") == NULL &&
		    has_prefix(lib_prefixes, as + 4, q_len - (size_t)(as + 4 - q)))
			return true;
		return false;
	}

	/* A short name: a function the compiler inlined, as Massif names it. */
	size_t base_len = q_len;
	const char *lt = memchr(q, '<', q_len);
	if (lt != NULL)
		base_len = (size_t)(lt - q);
	if (find(q, base_len, "::") != NULL)
		return false;
	/* Only in Rust's sources: a C program may have its own allocate(). */
	if (where == NULL)
		return false;
	const char *colon = memchr(where, ':', where_len);
	size_t file_len = colon ? (size_t)(colon - where) : where_len;
	const char *file = where;
	for (size_t i = 0; i < file_len; i++)
		if (where[i] == '/')
			file = where + i + 1;
	file_len -= (size_t)(file - where);
	if (file_len < 3 || memcmp(file + file_len - 3, ".rs", 3) != 0)
		return false;
	if (in_list(rust_wrappers, q, base_len) || in_list(rust_files, file, file_len))
		return true;
	/* std's vec/mod.rs and the like: generic over std's types. */
	if (file_len == 6 && memcmp(file, "mod.rs", 6) == 0 && lt != NULL &&
	    (find(lt, q_len - base_len, "alloc::") != NULL ||
	     find(lt, q_len - base_len, "core::") != NULL))
		return true;
	return false;
}

size_t hs_path_user_frame(const char *path)
{
	const char *p = path;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (!hs_frame_is_wrapper(p, n))
			return (size_t)(p - path);
		if (nl == NULL)
			return 0;
		p = nl + 1;
	}
}
