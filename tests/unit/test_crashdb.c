/*
 * test_crashdb.c - crash signatures (analyzer/crashdb): the name
 * normalizer on a table of C, C++ and Rust names, the rules file, and
 * signatures built from made-up frames.  argv[1]: the shipped rules file.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sig_compute.h"
#include "sig_normalize.h"
#include "sig_rules.h"
#include "snap_format.h"
#include "unit_run.h"

static const char *shipped_rules;

static const struct {
    const char *in, *want;
} names[] = {
    /* C, and what compilers add to C names */
    { "main", "main" },
    { "crash_null_deref", "crash_null_deref" },
    { "parse_header.constprop.0", "parse_header" },
    { "parse_header.isra.0", "parse_header" },
    { "parse_header.part.0", "parse_header" },
    { "parse_header.cold", "parse_header" },
    { "parse_header.lto_priv.0", "parse_header" },
    { "parse_header.constprop.0.isra.0", "parse_header" },
    { "parse_header.part.1.cold", "parse_header" },
    { "parse_header.llvm.1234567890", "parse_header" },
    { "counter.3", "counter" },
    { "memcpy@plt", "memcpy" },
    { "memcpy@@GLIBC_2.14", "memcpy" },
    { "handler+0x1f", "handler" },
    { "_GLOBAL__sub_I_main.cpp", "_GLOBAL__sub_I_main.cpp" },
    /* C++: arguments, qualifiers, templates, return types */
    { "foo(int)", "foo" },
    { "ns::Widget::draw(int, char const*) const", "ns::Widget::draw" },
    { "std::vector<int, std::allocator<int> >::push_back(int const&)",
      "std::vector<T>::push_back" },
    { "std::vector<std::pair<int, long>, std::allocator<std::pair<int, long> > >::"
      "_M_realloc_insert<std::pair<int, long> >(__gnu_cxx::__normal_iterator<"
      "std::pair<int, long>*, std::vector<std::pair<int, long> > >, std::pair<int, long>&&)",
      "std::vector<T>::_M_realloc_insert<T>" },
    { "void g<int>(int)", "g<T>" },
    { "std::map<int, int>::iterator find_it<std::map<int, int> >(std::map<int, int>&)",
      "find_it<T>" },
    { "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >"
      "::_M_create(unsigned long&, unsigned long)", "std::basic_string<T>::_M_create" },
    { "std::__1::basic_string<char>::append(char const*)", "std::basic_string<T>::append" },
    { "Foo::name[abi:cxx11]() const", "Foo::name" },
    { "f(int) [clone .constprop.0]", "f" },
    { "f(int) [clone .isra.0] [clone .cold]", "f" },
    /* operators */
    { "Matrix::operator()(int, int)", "Matrix::operator()" },
    { "operator<<(std::ostream&, Point const&)", "operator<<" },
    { "Vec::operator[](unsigned long)", "Vec::operator[]" },
    { "bool operator< <int>(Box<int> const&, Box<int> const&)", "operator<<T>" },
    { "Ptr::operator->() const", "Ptr::operator->" },
    { "operator new(unsigned long)", "operator new" },
    { "operator delete[](void*)", "operator delete[]" },
    { "Handle::operator bool() const", "Handle::operator bool" },
    { "Str::operator char const*() const", "Str::operator char const*" },
    /* lambdas, anonymous namespaces, local entities */
    { "main::{lambda(int)#1}::operator()(int) const", "main::{lambda#1}::operator()" },
    { "run(int)::{lambda(std::vector<int, std::allocator<int> > const&)#2}::operator()"
      "(std::vector<int, std::allocator<int> > const&) const",
      "run::{lambda#2}::operator()" },
    { "(anonymous namespace)::crash_here(int*)", "(anonymous namespace)::crash_here" },
    { "(anonymous namespace)::Parser<char>::step()", "(anonymous namespace)::Parser<T>::step" },
    { "f()::{unnamed type#1}::g()", "f::{unnamed type#1}::g" },
    /* mangled input, demangled first */
    { "_Z3fooi", "foo" },
    { "_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector<T>::push_back" },
    { "_ZN12_GLOBAL__N_110crash_hereEPi", "(anonymous namespace)::crash_here" },
    { "_ZL6helperv.constprop.0", "helper" },
    { "_ZNK6Matrix5valueEii", "Matrix::value" },
    { "_Znotmangled", "_Znotmangled" },
    /* Rust */
    { "app::parse::h0123456789abcdef", "app::parse" },
    { "_ZN3app5parse17h0123456789abcdefE", "app::parse" },
    { "<app::Foo as core::fmt::Display>::fmt::h0011223344556677",
      "<app::Foo as core::fmt::Display>::fmt" },
    { "app::main::{{closure}}::h0123456789abcdef", "app::main::{{closure}}" },
    { "app::parse::hnothex", "app::parse::hnothex" },
    /* hostile or odd input */
    { "", "" },
    { "f(((((", "f" },
    { "a<<<<<<", "a<T>" },
    { ")))x", "x" },
    { "bad\x01name", "bad?name" },
};

START_TEST(test_normalize_table)
{
    char out[SIG_NAME_MAX];
    sig_normalize_name(names[_i].in, out, sizeof(out));
    ck_assert_msg(strcmp(out, names[_i].want) == 0, "normalize(\"%s\") = \"%s\", want \"%s\"",
                  names[_i].in, out, names[_i].want);
}
END_TEST

START_TEST(test_normalize_bounds)
{
    char out[8];
    ck_assert_uint_eq(sig_normalize_name(NULL, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "");
    ck_assert_uint_eq(sig_normalize_name("averylongname", out, sizeof(out)), 7);
    ck_assert_str_eq(out, "averylo");
    ck_assert_uint_eq(sig_normalize_name("x", out, 0), 0);
    /* a huge hostile name: bounded, no crash */
    size_t n = 1 << 20;
    char *big = malloc(n + 1), big_out[SIG_NAME_MAX];
    ck_assert_ptr_nonnull(big);
    for (size_t i = 0; i < n; i++)
        big[i] = "<({[_Z:a. "[i % 10];
    big[n] = 0;
    sig_normalize_name(big, big_out, sizeof(big_out));
    memcpy(big, "_Z", 2);
    memset(big + 2, 'N', n - 2);
    sig_normalize_name(big, big_out, sizeof(big_out));
    free(big);
}
END_TEST

static sig_rules *rules_of(const char *text)
{
    char err[256];
    sig_rules *r = sig_rules_new();
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(sig_rules_parse(r, text, strlen(text), "t.rules", err, sizeof(err)) == 0,
                  "%s", err);
    return r;
}

static sig_rules *shipped(void)
{
    char err[256];
    sig_rules *r = sig_rules_new();
    ck_assert_msg(sig_rules_load(r, shipped_rules, err, sizeof(err)) == 0, "%s", err);
    return r;
}

static const sig_facts crash_segv = { .trigger = SNAP_TRIGGER_CRASH, .signal = SIGSEGV };

static void sig_of(const sig_rules *r, const sig_frame *f, size_t n, sig_facts facts,
                   sig_result *out)
{
    sig_input in = { .frames = f, .n_frames = n, .facts = facts };
    sig_compute(r, &in, out);
}

START_TEST(test_rules_parse)
{
    sig_rules *r = rules_of("# comment\n\n  skip abort   # why\nskip-module libbbx*\n"
                            "prefix memcpy\nframes 3\n");
    ck_assert_uint_eq(r->n, 3);
    ck_assert_uint_eq(r->frames, 3);
    ck_assert(sig_rules_match(r, SIG_RULE_SKIP, "abort"));
    ck_assert(!sig_rules_match(r, SIG_RULE_SKIP, "abortx"));
    ck_assert(sig_rules_match(r, SIG_RULE_SKIP_MODULE, "libbbx.so"));
    ck_assert(sig_rules_match(r, SIG_RULE_PREFIX, "memcpy"));
    ck_assert(!sig_rules_match(r, SIG_RULE_PREFIX, "abort"));
    ck_assert(!sig_rules_match(r, SIG_RULE_SKIP, NULL));
    /* a second file extends the first */
    char err[256];
    ck_assert_int_eq(sig_rules_parse(r, "skip my_die\n", 12, "u.rules", err, sizeof(err)), 0);
    ck_assert(sig_rules_match(r, SIG_RULE_SKIP, "abort"));
    ck_assert(sig_rules_match(r, SIG_RULE_SKIP, "my_die"));
    ck_assert_uint_eq(r->frames, 3);
    sig_rules_free(r);
    sig_rules_free(NULL);
}
END_TEST

static const struct {
    const char *text, *err;
} bad_rules[] = {
    { "skip a\nfrob x\n", "t.rules:2: unknown rule 'frob' (skip, skip-module, prefix, root, frames)" },
    { "skip\n", "t.rules:1: 'skip' needs a pattern" },
    { "\n\nframes\n", "t.rules:3: 'frames' needs a number" },
    { "prefix a b\n", "t.rules:1: 'prefix' takes one argument" },
    { "frames 0\n", "t.rules:1: frames wants a number from 1 to 64" },
    { "frames 65\n", "t.rules:1: frames wants a number from 1 to 64" },
    { "frames 99999999999999999999\n", "t.rules:1: frames wants a number from 1 to 64" },
    { "frames -3\n", "t.rules:1: frames wants a number from 1 to 64" },
    { "skip a\nskip b\x00\n", "t.rules:2: a NUL byte" },
};

START_TEST(test_rules_bad_lines)
{
    char err[256];
    sig_rules *r = rules_of("skip keep_me\nframes 4\n");
    size_t len = strlen(bad_rules[_i].text);
    if (_i == 8)
        len = 15; /* the NUL inside */
    ck_assert_int_eq(sig_rules_parse(r, bad_rules[_i].text, len, "t.rules", err, sizeof(err)),
                     -1);
    ck_assert_str_eq(err, bad_rules[_i].err);
    /* nothing of the bad text was added */
    ck_assert_uint_eq(r->n, 1);
    ck_assert_uint_eq(r->frames, 4);
    ck_assert(!sig_rules_match(r, SIG_RULE_SKIP, "a"));
    sig_rules_free(r);
}
END_TEST

START_TEST(test_rules_files)
{
    char err[512], path[] = "/tmp/bbx-sigrules-XXXXXX";
    sig_rules *r = shipped();
    ck_assert_uint_eq(r->frames, SIG_RULES_DEFAULT_FRAMES);
    ck_assert(sig_rules_match(r, SIG_RULE_SKIP, "__pthread_kill_implementation"));
    ck_assert(sig_rules_match(r, SIG_RULE_SKIP, "__GI_raise"));
    ck_assert(sig_rules_match(r, SIG_RULE_PREFIX, "operator new"));
    ck_assert_int_eq(sig_rules_load(r, "/nonexistent/x.rules", err, sizeof(err)), -1);
    ck_assert_msg(strncmp(err, "/nonexistent/x.rules: ", 22) == 0, "%s", err);
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "frames 2\n# x\nskipp y\n", 21), 21);
    close(fd);
    ck_assert_int_eq(sig_rules_load(r, path, err, sizeof(err)), -1);
    char want[128];
    snprintf(want, sizeof(want), "%s:3: unknown rule 'skipp'", path);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
    ck_assert_uint_eq(r->frames, SIG_RULES_DEFAULT_FRAMES);
    unlink(path);
    ck_assert_int_eq(sig_rules_load(r, "/tmp", err, sizeof(err)), -1); /* a directory */
    sig_rules_free(r);
}
END_TEST

/* A crash in strlen called from a function of the program, through the
 * frames a real glibc abort or crash has on top. */
START_TEST(test_sig_skip_and_prefix)
{
    sig_rules *r = shipped();
    sig_result res;
    const sig_frame f[] = {
        { .function = "bbx_crash_handler", .module = "/usr/lib/libbbx.so.1" },
        { .function = NULL, .module = "/usr/lib/libbbx.so.1", .offset = 0x40, .has_offset = 1 },
        { .function = "__restore_rt", .module = "/lib/x86_64-linux-gnu/libc.so.6" },
        { .function = "__pthread_kill_implementation", .module = "/lib/libc.so.6" },
        { .function = "__GI_raise", .module = "/lib/libc.so.6" },
        { .function = "__GI_abort", .module = "/lib/libc.so.6" },
        { .function = "__assert_fail_base.cold", .module = "/lib/libc.so.6" },
        { .function = "__assert_fail", .module = "/lib/libc.so.6" },
        { .function = "__strlen_avx2", .module = "/lib/libc.so.6" },
        { .function = "_ZN12_GLOBAL__N_15parseEPKc.constprop.0", .module = "/app" },
        { .function = "Loader::load(std::vector<int, std::allocator<int> > const&)",
          .module = "/app" },
        { .function = NULL, .module = "/opt/app/libplugin.so.2", .offset = 0x1a2b,
          .has_offset = 1 },
        { .function = NULL, .module = NULL },
        { .function = "main", .module = "/app" },
        { .function = "__libc_start_call_main", .module = "/lib/libc.so.6" },
        { .function = "__libc_start_main_impl", .module = "/lib/libc.so.6" },
        { .function = "_start", .module = "/app" },
    };
    sig_of(r, f, sizeof(f) / sizeof(*f), crash_segv, &res);
    ck_assert_str_eq(res.text, "__strlen_avx2 | (anonymous namespace)::parse | Loader::load"
                               " | libplugin.so.2+0x1a2b | ? | main");
    ck_assert_uint_eq(res.skipped, 8);
    ck_assert_uint_eq(res.used, 6);
    ck_assert_int_eq(res.kind, SIG_KIND_CRASH);
    /* N from a user's file */
    char err[256];
    ck_assert_int_eq(sig_rules_parse(r, "frames 2\n", 9, "u", err, sizeof(err)), 0);
    sig_of(r, f, sizeof(f) / sizeof(*f), crash_segv, &res);
    ck_assert_str_eq(res.text, "__strlen_avx2 | (anonymous namespace)::parse | Loader::load");
    /* under the ASan runtime the libc call comes through its interceptor,
     * which counts no more than the call itself (N is 2 here) */
    const sig_frame a[] = {
        { .function = "__strlen_evex", .module = "/lib/libc.so.6" },
        { .function = "__interceptor_strlen", .module = "/usr/lib/libasan.so.8" },
        { .function = "___interceptor_memcpy", .module = "/usr/lib/libasan.so.8" },
        { .function = "measure" }, { .function = "run" }, { .function = "main" },
    };
    sig_of(r, a, sizeof(a) / sizeof(*a), crash_segv, &res);
    ck_assert_str_eq(res.text, "__strlen_evex | __interceptor_strlen | ___interceptor_memcpy"
                               " | measure | run");
    /* an uncaught exception where libstdc++'s symbols are not installed:
     * its terminate handler's frames have no name, but lie under
     * std::terminate, skipped, of the same module: skipped too */
    const char *cxx = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
    const sig_frame x[] = {
        { .function = "__pthread_kill_implementation", .module = "/lib/libc.so.6" },
        { .function = "abort", .module = "/lib/libc.so.6" },
        { .module = cxx, .offset = 0x9d919, .has_offset = 1 },
        { .module = cxx, .offset = 0xa8e1a, .has_offset = 1 },
        { .function = "_ZSt9terminatev", .module = cxx },
        { .function = "__cxa_throw", .module = cxx },
        { .function = "grp::Parser::fail(int) const", .module = "/app" },
        { .function = "main", .module = "/app" },
    };
    sig_of(r, x, sizeof(x) / sizeof(*x), crash_segv, &res);
    ck_assert_str_eq(res.text, "grp::Parser::fail | main");
    ck_assert_uint_eq(res.skipped, 6);
    /* not when the named frame after them is kept, or of another module */
    const sig_frame u[] = {
        { .module = cxx, .offset = 0x10, .has_offset = 1 },
        { .function = "std::_Rb_tree_increment(std::_Rb_tree_node_base*)", .module = cxx },
        { .function = "walk", .module = "/app" },
    };
    sig_of(r, u, 3, crash_segv, &res);
    ck_assert_str_eq(res.text, "libstdc++.so.6+0x10 | std::_Rb_tree_increment"); /* N = 2 */
    const sig_frame v[] = {
        { .module = "/app", .offset = 0x10, .has_offset = 1 },
        { .function = "abort", .module = "/lib/libc.so.6" },
        { .function = "main", .module = "/app" },
    };
    sig_of(r, v, 3, crash_segv, &res);
    ck_assert_str_eq(res.text, "app+0x10 | abort");
    /* skip applies only at the top: a main loop's abort frame further
     * down stays */
    const sig_frame g[] = { { .function = "work" }, { .function = "abort" },
                            { .function = "main" } };
    sig_of(r, g, 3, crash_segv, &res);
    ck_assert_str_eq(res.text, "work | abort");
    /* no rules: nothing skipped, N = 5 */
    sig_of(NULL, f, sizeof(f) / sizeof(*f), crash_segv, &res);
    ck_assert_str_eq(res.text, "bbx_crash_handler | libbbx.so.1+0x40 | __restore_rt"
                               " | __pthread_kill_implementation | __GI_raise");
    /* a root frame ends the signature: the thread's start and what the
     * C library names below main are left out */
    const sig_frame t[] = { { .function = "crash_fn" }, { .function = "worker_main" },
                            { .function = "start_thread" }, { .function = "__GI___clone3" } };
    sig_rules *fresh = shipped();
    sig_of(fresh, t, 4, crash_segv, &res);
    ck_assert_str_eq(res.text, "crash_fn | worker_main");
    sig_of(NULL, t, 4, crash_segv, &res);
    ck_assert_str_eq(res.text, "crash_fn | worker_main | start_thread | __GI___clone3");
    const sig_frame m[] = { { .function = "boom" }, { .function = "main" },
                            { .function = "__libc_start_main" }, { .function = "_start" } };
    sig_of(fresh, m, 4, crash_segv, &res);
    ck_assert_str_eq(res.text, "boom | main");
    sig_rules_free(fresh);
    /* nothing left */
    sig_of(r, f, 3, crash_segv, &res);
    ck_assert_str_eq(res.text, "(no frames)");
    sig_rules_free(r);
}
END_TEST

START_TEST(test_sig_kinds)
{
    sig_rules *r = shipped();
    sig_result res;
    const sig_frame f[] = { { .function = "recurse(int)" }, { .function = "main" } };
    sig_facts k = crash_segv;
    sig_of(r, f, 2, k, &res);
    ck_assert_str_eq(res.text, "recurse | main");
    k.trigger = SNAP_TRIGGER_HANG;
    sig_of(r, f, 2, k, &res);
    ck_assert_str_eq(res.text, "hang: recurse | main");
    k = crash_segv;
    k.oom = 1;
    sig_of(r, f, 2, k, &res);
    ck_assert_str_eq(res.text, "oom: recurse | main");
    k = (sig_facts){ .trigger = SNAP_TRIGGER_CRASH, .signal = SIGABRT,
                     .abort_message = "x.c:3: f: Assertion `n > 0' failed." };
    sig_of(r, f, 2, k, &res);
    ck_assert_str_eq(res.text, "abort: recurse | main");
    k.abort_message = "";
    sig_of(r, f, 2, k, &res);
    ck_assert_str_eq(res.text, "recurse | main");
    /* stack overflow: the fault just below the stack pointer */
    k = crash_segv;
    k.has_sp = k.has_fault_addr = 1;
    k.sp = 0x7ffc00001000;
    k.fault_addr = k.sp - 8;
    sig_of(r, f, 2, k, &res);
    ck_assert_str_eq(res.text, "stack-overflow: recurse | main");
    k.fault_addr = k.sp - SIG_STACK_NEAR - 1;
    sig_of(r, f, 2, k, &res);
    ck_assert_str_eq(res.text, "recurse | main");
    k.fault_addr = 0; /* a null pointer is not an overflow */
    sig_of(r, f, 2, k, &res);
    ck_assert_int_eq(res.kind, SIG_KIND_CRASH);
    k.signal = SIGFPE;
    k.fault_addr = k.sp;
    sig_of(r, f, 2, k, &res);
    ck_assert_int_eq(res.kind, SIG_KIND_CRASH);
    /* a plain crash by another signal than SIGSEGV is named by it: a
     * division by zero and a NULL write in one function are two groups */
    ck_assert_str_eq(res.text, "SIGFPE: recurse | main");
    k = (sig_facts){ .trigger = SNAP_TRIGGER_CRASH, .signal = SIGBUS };
    sig_of(r, f, 2, k, &res);
    ck_assert_str_eq(res.text, "SIGBUS: recurse | main");
    k.signal = SIGILL;
    sig_of(r, f, 2, k, &res);
    ck_assert_str_eq(res.text, "SIGILL: recurse | main");
    k.signal = 40;
    sig_of(r, f, 2, k, &res);
    ck_assert_str_eq(res.text, "signal 40: recurse | main");
    ck_assert_int_eq(res.kind, SIG_KIND_CRASH);
    k.signal = SIGSEGV;
    sig_of(r, f, 2, k, &res);
    ck_assert_str_eq(res.text, "recurse | main");
    /* a stored stack keeps what signs it again the same (bbx regroup) */
    const sig_facts again[] = {
        { .trigger = SNAP_TRIGGER_CRASH, .signal = SIGSEGV },
        { .trigger = SNAP_TRIGGER_CRASH, .signal = SIGFPE },
        { .trigger = SNAP_TRIGGER_CRASH, .signal = SIGBUS },
        { .trigger = SNAP_TRIGGER_CRASH, .signal = 40 },
        { .trigger = SNAP_TRIGGER_CRASH, .signal = SIGABRT },
        { .trigger = SNAP_TRIGGER_CRASH, .signal = SIGABRT, .abort_message = "m" },
        { .trigger = SNAP_TRIGGER_HANG },
        { .trigger = SNAP_TRIGGER_REQUEST },
    };
    const char *kinds[] = { "crash", "SIGFPE", "SIGBUS", "signal 40", "crash",
                            "abort", "hang", "request" };
    for (size_t i = 0; i < sizeof(again) / sizeof(*again); i++) {
        sig_result stored;
        sig_facts back;
        sig_of(r, f, 2, again[i], &res);
        ck_assert_str_eq(res.stack_kind, kinds[i]);
        sig_facts_of_stack_kind(res.stack_kind, &back);
        sig_of(r, f, 2, back, &stored);
        ck_assert_str_eq(stored.text, res.text);
        ck_assert_int_eq(stored.kind, res.kind);
    }
    sig_facts_of_stack_kind("what", &k);
    sig_of(r, f, 2, k, &res);
    ck_assert_str_eq(res.text, "recurse | main");
    sig_facts_of_stack_kind("signal 4x", &k);
    sig_of(r, f, 2, k, &res);
    ck_assert_str_eq(res.text, "recurse | main");
    k = (sig_facts){ .trigger = SNAP_TRIGGER_REQUEST };
    sig_of(r, f, 2, k, &res);
    ck_assert_str_eq(res.text, "request: recurse | main");
    k.trigger = SNAP_TRIGGER_PERIODIC;
    sig_of(r, f, 2, k, &res);
    ck_assert_str_eq(res.text, "snapshot: recurse | main");
    ck_assert_str_eq(sig_kind_name(SIG_KIND_STACK_OVERFLOW), "stack-overflow");
    /* what tells an out-of-memory crash */
    const sig_frame cpp[] = { { .function = "__GI_abort" }, { .function = "std::terminate()" },
                              { .function = "__cxa_throw" },
                              { .function = "std::__throw_bad_alloc()" },
                              { .function = "operator new(unsigned long)" },
                              { .function = "load" } };
    ck_assert_int_eq(sig_oom_evidence(NULL, cpp, 6), 1);
    ck_assert_int_eq(sig_oom_evidence(NULL, cpp, 3), 0);
    const sig_frame rust[] = { { .function = "alloc::alloc::handle_alloc_error::h0011" } };
    ck_assert_int_eq(sig_oom_evidence(NULL, rust, 1), 1);
    ck_assert_int_eq(sig_oom_evidence("GLib: gmem.c:136: failed to allocate 99 bytes", NULL, 0), 1);
    ck_assert_int_eq(sig_oom_evidence("x.c:3: f: Assertion `n > 0' failed.", f, 2), 0);
    ck_assert_int_eq(sig_oom_evidence(NULL, NULL, 0), 0);
    sig_rules_free(r);
}
END_TEST

/* The same bug through a rebuild (other clone suffixes, mangled or not,
 * other offsets) keeps its text and id; the id is documented. */
START_TEST(test_sig_id_stable)
{
    sig_rules *r = shipped();
    sig_result a, b;
    const sig_frame o0[] = { { .function = "_ZN6Parser4stepEv", .module = "/a", .offset = 1 },
                             { .function = "main", .module = "/a", .offset = 2 } };
    const sig_frame o2[] = { { .function = "Parser::step() [clone .isra.0]", .module = "/b",
                               .offset = 99, .has_offset = 1 },
                             { .function = "main.cold", .module = "/b" } };
    sig_of(r, o0, 2, crash_segv, &a);
    sig_of(r, o2, 2, crash_segv, &b);
    ck_assert_str_eq(a.text, "Parser::step | main");
    ck_assert_str_eq(a.text, b.text);
    ck_assert_str_eq(a.id, b.id);
    ck_assert_uint_eq(strlen(a.id), SIG_ID_LEN);
    /* FNV-1a 64 of "crash_null_deref | main" = 0x..., first 12 hex digits:
     * pinned, a change of hash or format breaks stored groups */
    char id[SIG_ID_LEN + 1];
    sig_id("", id);
    ck_assert_str_eq(id, "cbf29ce48422"); /* FNV-1a's offset basis */
    sig_id("a", id);
    ck_assert_str_eq(id, "af63dc4c8601"); /* published vector: af63dc4c8601ec8c */
    sig_id("crash_null_deref | main", id);
    ck_assert_str_ne(id, a.id);
    sig_rules_free(r);
}
END_TEST

static Suite *crashdb_suite(void)
{
    Suite *s = suite_create("crashdb");
    TCase *tc = tcase_create("crashdb");
    tcase_add_loop_test(tc, test_normalize_table, 0, sizeof(names) / sizeof(*names));
    tcase_add_test(tc, test_normalize_bounds);
    tcase_add_test(tc, test_rules_parse);
    tcase_add_loop_test(tc, test_rules_bad_lines, 0, sizeof(bad_rules) / sizeof(*bad_rules));
    tcase_add_test(tc, test_rules_files);
    tcase_add_test(tc, test_sig_skip_and_prefix);
    tcase_add_test(tc, test_sig_kinds);
    tcase_add_test(tc, test_sig_id_stable);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_crashdb SIGNATURE.RULES\n");
        return 2;
    }
    shipped_rules = argv[1];
    return unit_run(crashdb_suite());
}
