// grp_prog_cxx - the C++ part of e2e_grouping's labelled corpus: bugs whose
// frames carry what the signature's name normalizer must see through (a
// class template's method, a lambda, an anonymous namespace, an uncaught
// exception), built like grp_prog.c (-O0, -O2, each also shifted, and
// stripped; tests/grouping/CMakeLists.txt).
//
//   grp_prog_cxx BUG VALUE
//
// BUG is one of
//   tmpl    a NULL write in grp::Table<long>::store, called from a lambda in
//           (anonymous namespace)::fill (the lambda is a frame of its own at
//           -O0, an inlined frame at -O2)
//   throw   an uncaught std::runtime_error, thrown by grp::Parser::fail with
//           a message that holds VALUE, from grp::Parser::check; std::terminate
//           aborts
//   throw-range  the same throw in grp::Parser::fail, from another caller,
//           grp::Parser::check_range: a different bug, whose first frames of
//           interest differ in the second one
// VALUE changes what is written and said.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#define KEEP __attribute__((noinline, noipa))

#ifndef GRP_BUILD
#define GRP_BUILD "plain"
#endif

static volatile long sink;

#ifdef GRP_SHIFT
// The shifted build: code and lines before every function of the corpus.
KEEP static long shift_padding(long v)
{
    long acc = v;
    for (int i = 0; i < 23; i++)
        acc = acc * 17 + (acc >> 3) + i;
    sink = acc;
    return acc;
}
//
//
//
//
//
//
//
//
//
//
#endif

namespace grp {

template <typename T> class Table {
public:
    KEEP void store(std::size_t i, T v) { data_[i] = v; }
    T *data_ = nullptr;
};

class Parser {
public:
    explicit Parser(int limit) : limit_(limit) {}
    KEEP int check(int v) const
    {
        if (v > limit_)
            fail(v);
        return v;
    }
    KEEP int check_range(int lo, int v) const
    {
        if (v < lo || v > limit_)
            fail(v);
        return v - lo;
    }
    [[noreturn]] KEEP void fail(int v) const
    {
        throw std::runtime_error("value " + std::to_string(v) + " over the limit " +
                                 std::to_string(limit_));
    }

private:
    int limit_;
};

} // namespace grp

namespace {

KEEP int fill(grp::Table<long> &t, int value)
{
    auto put = [&t, value](int k) {
        t.store(static_cast<std::size_t>(k), value);
        return k;
    };
    int r = put(value % 7);
    sink = r;
    return r + 1;
}

KEEP int run_tmpl(int value)
{
    grp::Table<long> t;
    int r = fill(t, value);
    sink = r;
    return r + 1;
}

KEEP int run_throw(int value)
{
    grp::Parser p(-1);
    int r = p.check(value);
    sink = r;
    return r + 1;
}

KEEP int run_range(int value)
{
    grp::Parser p(-1);
    int r = p.check_range(-5, value);
    sink = r;
    return r + 1;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: grp_prog_cxx tmpl|throw|throw-range VALUE\n");
        return 2;
    }
    int value = std::atoi(argv[2]);
#ifdef GRP_SHIFT
    sink = shift_padding(value);
#endif
    std::printf("grp_prog_cxx %s: %s %d\n", GRP_BUILD, argv[1], value);
    std::fflush(stdout);
    long r;
    if (std::strcmp(argv[1], "tmpl") == 0)
        r = run_tmpl(value);
    else if (std::strcmp(argv[1], "throw") == 0)
        r = run_throw(value);
    else if (std::strcmp(argv[1], "throw-range") == 0)
        r = run_range(value);
    else
        return 2;
    sink = r;
    std::fprintf(stderr, "grp_prog_cxx: %s did not crash\n", argv[1]);
    return 1;
}
