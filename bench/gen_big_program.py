#!/usr/bin/env python3
"""Generate a large C program for the symbolizer benchmark and build it with gcc -O2 -g.

The program is made of N compilation units (unit_NNN.c) and a main.c.  Each unit
holds F exported functions and a family of static inline helpers nested several
levels deep (every helper of level k calls helpers of level k+1), so that gcc -O2
inlines chains of two to four calls into the exported functions and the DWARF is
full of inlined-subroutine trees, as in real optimised code.  The exported
functions have loops, switch statements, calls into other units and bounded
recursion; a shared header adds small static inline helpers used by every unit
(like the inline functions of a system header).  Everything is derived from a
seed: the same arguments give the same sources, byte for byte.

    bench/gen_big_program.py OUTDIR [--units N] [--funcs F] [--seed S] [--no-build]

writes OUTDIR/src/*.c, OUTDIR/src/big.h and builds OUTDIR/bigprog with
`gcc -O2 -g` (one gcc per CPU).  A stamp file makes a second call with the same
parameters and compiler a no-op.  Python 3 standard library only.
"""

import argparse
import concurrent.futures
import hashlib
import os
import random
import shutil
import subprocess
import sys

GEN_VERSION = 2  # bump when the generated code changes shape

OPS = ["+", "-", "^", "|", "&"]


def die(msg, code=2):
    print("gen_big_program: " + msg, file=sys.stderr)
    sys.exit(code)


def expr(rng, names, depth=0):
    """A small integer expression over the given variable names."""
    if depth >= 2 or rng.random() < 0.35:
        if rng.random() < 0.3:
            return str(rng.randint(1, 97))
        return rng.choice(names)
    a = expr(rng, names, depth + 1)
    b = expr(rng, names, depth + 1)
    kind = rng.random()
    if kind < 0.15:
        return "((%s) << %d)" % (a, rng.randint(1, 5))
    if kind < 0.3:
        return "((%s) >> %d)" % (a, rng.randint(1, 5))
    if kind < 0.4:
        return "((%s) * %d)" % (a, rng.choice([3, 5, 7, 9, 13]))
    return "(%s %s %s)" % (a, rng.choice(OPS), b)


def header(n_units, n_funcs, n_shared):
    L = ["/* big.h: declarations shared by every unit of the generated benchmark",
         " * program (bench/gen_big_program.py).  Generated: do not edit. */",
         "#ifndef BIG_H", "#define BIG_H", "",
         "#define BIG_AI static inline __attribute__((always_inline))", ""]
    for i in range(n_shared):
        # Shared helpers: each one a little different, used by all units.
        L.append("BIG_AI unsigned big_mix%d(unsigned x, unsigned y)" % i)
        L.append("{")
        L.append("    x ^= x >> %d;" % (7 + i % 9))
        L.append("    x *= 0x%08xu;" % ((0x9e3779b1 + 0x10001 * i) & 0xffffffff | 1))
        L.append("    return x + (y << %d);" % (1 + i % 5))
        L.append("}")
        L.append("")
    for u in range(n_units):
        L.append(" ".join("int u%d_f%d(int n, int *buf);" % (u, f) for f in range(n_funcs)))
    L += ["", "#endif", ""]
    return "\n".join(L)


def helper(rng, u, level, idx, n_per_level, n_levels, n_shared):
    """A static inline helper of one level; level 0 is called by the exported functions."""
    name = "u%d_h%d_%d" % (u, level, idx)
    vs = ["x", "y", "t"]
    # About half are forced inline so chains really are 2-4 deep at -O2; the rest
    # are plain `static inline` and left to gcc's judgement.
    attr = "BIG_AI" if rng.random() < 0.5 else "static inline"
    L = ["%s int %s(int x, int y)" % (attr, name), "{"]
    L.append("    int t = %s;" % expr(rng, ["x", "y"]))
    if level + 1 < n_levels:
        callees = rng.sample(range(n_per_level), 2)
        shape = rng.random()
        if shape < 0.4:
            L.append("    for (int i = 0; i < (y & 7); i++)")
            L.append("        t += u%d_h%d_%d(t + i, %s);" % (u, level + 1, callees[0],
                                                          expr(rng, vs)))
            L.append("    if (t & %d)" % (1 << rng.randint(0, 4)))
            L.append("        t ^= u%d_h%d_%d(%s, x);" % (u, level + 1, callees[1],
                                                      expr(rng, vs)))
        elif shape < 0.7:
            L.append("    switch ((x ^ y) & 3) {")
            L.append("    case 0: t += u%d_h%d_%d(t, y); break;" % (u, level + 1, callees[0]))
            L.append("    case 1: t -= u%d_h%d_%d(y, t); break;" % (u, level + 1, callees[1]))
            L.append("    case 2: t ^= %s; break;" % expr(rng, vs))
            L.append("    default: t = (int)big_mix%d((unsigned)t, (unsigned)y); break;"
                     % rng.randrange(n_shared))
            L.append("    }")
        else:
            L.append("    if (x > y)")
            L.append("        t = u%d_h%d_%d(t, %s);" % (u, level + 1, callees[0],
                                                     expr(rng, vs)))
            L.append("    else")
            L.append("        t = u%d_h%d_%d(%s, t) + %d;" % (u, level + 1, callees[1],
                                                          expr(rng, vs), rng.randint(1, 50)))
    else:
        # Leaves: straight-line arithmetic and a shared helper.
        for _ in range(rng.randint(1, 3)):
            L.append("    t %s= %s;" % (rng.choice(["+", "^", "-"]), expr(rng, vs)))
        if rng.random() < 0.5:
            L.append("    t += (int)big_mix%d((unsigned)t, (unsigned)x);"
                     % rng.randrange(n_shared))
    L.append("    return t;")
    L.append("}")
    L.append("")
    return L


def exported(rng, u, f, n_units, n_funcs, n_per_level):
    L = ["int u%d_f%d(int n, int *buf)" % (u, f), "{"]
    L.append("    int acc = %d;" % rng.randint(0, 1000))
    L.append("    if (n <= 0)")
    L.append("        return buf[0] + acc;")
    L.append("    for (int i = 0; i < n; i++) {")
    cases = rng.randint(3, 7)
    L.append("        switch ((acc + i) %% %d) {" % (cases + 1))
    for c in range(cases):
        h = rng.randrange(n_per_level)
        L.append("        case %d:" % c)
        L.append("            acc += u%d_h0_%d(acc + i, buf[i & 15]);" % (u, h))
        if rng.random() < 0.3:
            L.append("            buf[(acc >> 3) & 15] ^= %s;" % expr(rng, ["acc", "i", "n"]))
        L.append("            break;")
    # Calls into another unit and back into this one, with n shrinking: bounded.
    ou, of = rng.randrange(n_units), rng.randrange(n_funcs)
    L.append("        default:")
    L.append("            acc ^= u%d_f%d(n - 1 - (i & 1), buf);" % (ou, of))
    L.append("            break;")
    L.append("        }")
    L.append("    }")
    if rng.random() < 0.4:
        L.append("    if (n > 2)")
        L.append("        acc += u%d_f%d(n / 2, buf);  /* recursion */" % (u, f))
    if rng.random() < 0.3:
        L.append("    while (acc & 1)")
        L.append("        acc = (acc >> 1) ^ u%d_h0_%d(acc, n);" % (u, rng.randrange(n_per_level)))
    L.append("    buf[n & 15] = acc;")
    L.append("    return acc;")
    L.append("}")
    L.append("")
    return L


def unit(seed, u, n_units, n_funcs, n_per_level, n_levels, n_shared):
    rng = random.Random("%d/%d" % (seed, u))
    L = ["/* unit_%03d.c: generated by bench/gen_big_program.py (seed %d); do not edit. */"
         % (u, seed), '#include "big.h"', ""]
    # Deepest level first, so every helper is defined before its callers.
    for level in range(n_levels - 1, -1, -1):
        for idx in range(n_per_level):
            L += helper(rng, u, level, idx, n_per_level, n_levels, n_shared)
    for f in range(n_funcs):
        L += exported(rng, u, f, n_units, n_funcs, n_per_level)
    return "\n".join(L)


def main_c(n_units, n_funcs):
    L = ["/* main.c: generated by bench/gen_big_program.py; do not edit. */",
         "#include <stdio.h>", "#include <stdlib.h>", '#include "big.h"', "",
         "typedef int (*big_fn)(int, int *);", "",
         "static const big_fn big_all[] = {"]
    for u in range(n_units):
        L.append("    " + " ".join("u%d_f%d," % (u, f) for f in range(n_funcs)))
    L += ["};", "",
          "int main(int argc, char **argv)",
          "{",
          "    /* Runs one function when asked to (argv: index, depth); the benchmark",
          "     * only symbolizes this program, it never runs it. */",
          "    int buf[16] = {0};",
          "    if (argc < 3)",
          "        return 0;",
          "    size_t i = strtoul(argv[1], NULL, 10) % (sizeof big_all / sizeof big_all[0]);",
          "    printf(\"%d\\n\", big_all[i](atoi(argv[2]) & 7, buf));",
          "    return 0;",
          "}", ""]
    return "\n".join(L)


def compiler_id(cc):
    r = subprocess.run([cc, "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       text=True)
    return r.stdout.splitlines()[0] if r.returncode == 0 and r.stdout else None


def generate(outdir, units, funcs, seed, per_level, levels, shared):
    src = os.path.join(outdir, "src")
    os.makedirs(src, exist_ok=True)
    files = {"big.h": header(units, funcs, shared), "main.c": main_c(units, funcs)}
    for u in range(units):
        files["unit_%03d.c" % u] = unit(seed, u, units, funcs, per_level, levels, shared)
    digest = hashlib.sha256()
    for name in sorted(files):
        text = files[name]
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
        path = os.path.join(src, name)
        # Rewrite only what changed, so an unchanged file keeps its object.
        old = None
        if os.path.exists(path):
            with open(path) as fh:
                old = fh.read()
        if old != text:
            with open(path, "w") as fh:
                fh.write(text)
    for name in os.listdir(src):  # units left over from a larger earlier run
        if name.endswith(".c") and name not in files:
            os.remove(os.path.join(src, name))
    return sorted(n for n in files if n.endswith(".c")), digest.hexdigest()


def build(outdir, sources, cc, cflags, jobs, log):
    src = os.path.abspath(os.path.join(outdir, "src"))
    obj = os.path.abspath(os.path.join(outdir, "obj"))
    os.makedirs(obj, exist_ok=True)

    def one(name):
        o = os.path.join(obj, name[:-2] + ".o")
        s = os.path.join(src, name)
        if os.path.exists(o) and os.path.getmtime(o) >= os.path.getmtime(s) \
                and os.path.getmtime(o) >= os.path.getmtime(os.path.join(src, "big.h")):
            return o, None
        # Compiled from inside src/ with a relative name and the directory mapped
        # to ".", so the DWARF names "./unit_NNN.c" and no path of this machine:
        # the same binary wherever it is built.
        r = subprocess.run([cc] + cflags + ["-fdebug-prefix-map=%s=." % src,
                                            "-c", name, "-o", o], cwd=src,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return o, (r.stdout if r.returncode != 0 else None)

    objs = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for done, (o, err) in enumerate(pool.map(one, sources), 1):
            if err is not None:
                sys.stderr.write(err)
                die("compiling %s failed" % os.path.basename(o))
            objs.append(o)
            if done % 100 == 0:
                log("  compiled %d of %d units" % (done, len(sources)))
    exe = os.path.join(outdir, "bigprog")
    r = subprocess.run([cc] + cflags + objs + ["-o", exe], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout)
        die("linking %s failed" % exe)
    return exe


def ensure(outdir, units=300, funcs=24, seed=1, per_level=10, levels=4, shared=16,
           cc="gcc", cflags=None, jobs=None, build_it=True, log=None):
    """Generate (and build) the program; returns the executable's path (or None)."""
    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    cflags = cflags or ["-O2", "-g"]
    if levels < 2 or levels > 6:
        die("--levels must be 2..6")
    cid = compiler_id(cc)
    if cid is None:
        die("no working %s; install build-essential" % cc)
    sources, digest = generate(outdir, units, funcs, seed, per_level, levels, shared)
    if not build_it:
        return None
    stamp_text = "%d %s %s %s\n" % (GEN_VERSION, digest, cid, " ".join(cflags))
    stamp = os.path.join(outdir, "bigprog.stamp")
    exe = os.path.join(outdir, "bigprog")
    if os.path.exists(stamp) and os.path.exists(exe):
        with open(stamp) as fh:
            if fh.read() == stamp_text:
                return exe
    log("building the generated program: %d units x %d functions, %s %s"
        % (units, funcs, cc, " ".join(cflags)))
    # Another compiler, other flags or another generator: no object is reused.
    shutil.rmtree(os.path.join(outdir, "obj"), ignore_errors=True)
    exe = build(outdir, sources, cc, cflags, jobs or os.cpu_count() or 2, log)
    with open(stamp, "w") as fh:
        fh.write(stamp_text)
    return exe


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir", help="where the sources, objects and bigprog go")
    ap.add_argument("--units", type=int, default=300, help="compilation units (default 300)")
    ap.add_argument("--funcs", type=int, default=24,
                    help="exported functions per unit (default 24)")
    ap.add_argument("--helpers", type=int, default=10,
                    help="static inline helpers per nesting level per unit (default 10)")
    ap.add_argument("--levels", type=int, default=4, help="helper nesting levels (default 4)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cc", default="gcc")
    ap.add_argument("--no-build", action="store_true", help="write the sources only")
    args = ap.parse_args()
    exe = ensure(args.outdir, args.units, args.funcs, args.seed, args.helpers, args.levels,
                 cc=args.cc, build_it=not args.no_build)
    if exe:
        print(exe)


if __name__ == "__main__":
    main()
