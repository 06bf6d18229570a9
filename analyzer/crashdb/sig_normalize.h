/*
 * sig_normalize.h - a function name reduced to the form crash signatures
 * compare, so that a rebuild, another optimization level or another
 * compiler version lands in the same group.
 *
 * The canonical form (docs/FORMAT.md, "Crash signatures"):
 *  - a mangled name ("_Z...") is demangled first (sym_demangle_alloc, the
 *    C++ runtime's demangler, as the symbolizer does); one that does not
 *    demangle is kept as it is;
 *  - C++ argument lists, and what follows them (" const", "&&", "[abi:...]",
 *    " [clone .constprop.0]"), are dropped: "f(int) const" -> "f"; a local
 *    entity keeps its path: "f(int)::{lambda(int)#1}::operator()(int) const"
 *    -> "f::{lambda#1}::operator()";
 *  - every template argument list becomes "<T>":
 *    "std::vector<int, std::allocator<int> >::push_back(int const&)" ->
 *    "std::vector<T>::push_back";
 *  - a return type (what a demangled template function starts with, before
 *    a space) is dropped: "void g<int>(int)" -> "g<T>";
 *  - lambdas lose their parameters and keep their number ("{lambda#1}");
 *    "(anonymous namespace)", "{unnamed type#1}" and Rust's "{{closure}}"
 *    are kept; operators keep their symbol ("operator()", "operator<<",
 *    "operator new[]");
 *  - Rust: the legacy hash "::h0123456789abcdef" is dropped; a leading
 *    "<Type as Trait>" keeps its names, "<T>" collapsed inside;
 *  - the inline ABI namespaces "__cxx11::" and "__1::" are dropped;
 *  - clone and split suffixes are dropped from the first one on:
 *    ".constprop", ".isra", ".part", ".cold", ".hot", ".lto_priv", ".llvm",
 *    ".localalias", ".clone", ".specialized", ".__uniq", and a '.' followed
 *    by a digit ("f.part.0.isra.0" -> "f", "counter.3" -> "counter");
 *  - anything from "+0x" on (an offset) or from '@' on (an ELF symbol
 *    version, "@plt") is dropped; no address survives;
 *  - control bytes become '?'; trailing spaces are dropped.
 *
 * Bounded: at most SIG_NAME_INPUT_MAX bytes of the input are looked at
 * (SIG_DEMANGLE_MAX for demangling), brackets are skipped without
 * recursion, and the output is cut at outlen - 1.
 * Any bytes are accepted.  Thread-safe; not async-signal-safe (demangling
 * allocates).
 */
#ifndef BBX_SIG_NORMALIZE_H
#define BBX_SIG_NORMALIZE_H

#include <stddef.h>

#define SIG_NAME_INPUT_MAX 4096
#define SIG_DEMANGLE_MAX 1024
#define SIG_NAME_MAX 512 /* the buffer signatures use; longer names are cut */

/* The normal form of `name` into out[outlen] (always terminated when
 * outlen > 0); returns its length.  An empty or NULL name gives "". */
size_t sig_normalize_name(const char *name, char *out, size_t outlen);

#endif
