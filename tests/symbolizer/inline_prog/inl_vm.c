/*
 * inl_vm.c - a small stack machine: one big switch whose cases call inline
 * stack and arithmetic helpers, some of which call the header's helpers.
 */
#include "inl_common.h"

enum op {
    OP_HALT, OP_PUSH, OP_ARG, OP_DUP, OP_DROP, OP_SWAP, OP_ADD, OP_SUB, OP_MUL, OP_DIV,
    OP_MOD, OP_NEG, OP_AND, OP_OR, OP_XOR, OP_SHL, OP_SHR, OP_HASH, OP_CLAMP, OP_LT,
    OP_JMP, OP_JZ, OP_LOAD, OP_STORE, OP_SQRT, OP_COUNT
};

#define STACK_MAX (64 << INL_VARIANT)
#define MEM_MAX 16

typedef struct vm {
    int64_t stack[STACK_MAX];
    int64_t mem[MEM_MAX];
    unsigned sp;
    size_t pc;
    int error;
    inl_stats depth;
} vm;

static inline void vm_fail(vm *m, int code)
{
    if (!m->error)
        m->error = code;
}

INL_ALWAYS void push(vm *m, int64_t v)
{
    if (m->sp >= STACK_MAX) {
        vm_fail(m, 1);
        return;
    }
    m->stack[m->sp++] = v;
    inl_stats_add(&m->depth, (double)m->sp);
}

INL_ALWAYS int64_t pop(vm *m)
{
    if (m->sp == 0) {
        vm_fail(m, 2);
        return 0;
    }
    return m->stack[--m->sp];
}

static inline int64_t peek(vm *m)
{
    return m->sp ? m->stack[m->sp - 1] : (vm_fail(m, 2), 0);
}

static inline uint8_t fetch(vm *m, const uint8_t *code, size_t len)
{
    if (m->pc >= len) {
        vm_fail(m, 3);
        return OP_HALT;
    }
    return code[m->pc++];
}

static inline int64_t fetch_imm(vm *m, const uint8_t *code, size_t len)
{
    int64_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (int64_t)fetch(m, code, len) << (8 * i);
    return (int32_t)v;
}

static inline int64_t safe_div(vm *m, int64_t a, int64_t b)
{
    if (b == 0 || (a == INT64_MIN && b == -1)) {
        vm_fail(m, 4);
        return 0;
    }
    return a / b;
}

static inline int64_t safe_mod(vm *m, int64_t a, int64_t b)
{
    if (b == 0 || (a == INT64_MIN && b == -1)) {
        vm_fail(m, 4);
        return 0;
    }
    return a % b;
}

static inline void binop(vm *m, enum op op)
{
    int64_t b = pop(m), a = pop(m);
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    switch (op) {
    case OP_ADD:
        push(m, (int64_t)(ua + ub));
        break;
    case OP_SUB:
        push(m, (int64_t)(ua - ub));
        break;
    case OP_MUL:
        push(m, (int64_t)(ua * ub));
        break;
    case OP_DIV:
        push(m, safe_div(m, a, b));
        break;
    case OP_MOD:
        push(m, safe_mod(m, a, b));
        break;
    case OP_AND:
        push(m, a & b);
        break;
    case OP_OR:
        push(m, a | b);
        break;
    case OP_XOR:
        push(m, a ^ b);
        break;
    case OP_SHL:
        push(m, (int64_t)(ua << (ub & 63)));
        break;
    case OP_SHR:
        push(m, (int64_t)(ua >> (ub & 63)));
        break;
    case OP_LT:
        push(m, a < b);
        break;
    default:
        vm_fail(m, 5);
        break;
    }
}

static inline int step(vm *m, const uint8_t *code, size_t len, int64_t arg)
{
    uint8_t op = fetch(m, code, len);
    switch (op) {
    case OP_HALT:
        return 0;
    case OP_PUSH:
        push(m, fetch_imm(m, code, len));
        break;
    case OP_ARG:
        push(m, arg);
        break;
    case OP_DUP:
        push(m, peek(m));
        break;
    case OP_DROP:
        (void)pop(m);
        break;
    case OP_SWAP: {
        int64_t b = pop(m), a = pop(m);
        push(m, b);
        push(m, a);
        break;
    }
    case OP_NEG:
        push(m, (int64_t)(0 - (uint64_t)pop(m)));
        break;
    case OP_HASH: {
        int64_t v = pop(m);
        push(m, inl_hash_bytes(&v, sizeof(v), 0x5eed));
        break;
    }
    case OP_CLAMP: {
        int64_t hi = pop(m), lo = pop(m), v = pop(m);
        push(m, inl_clamp((int)v, (int)lo, (int)hi));
        break;
    }
    case OP_JMP:
        m->pc = (size_t)fetch_imm(m, code, len);
        break;
    case OP_JZ: {
        int64_t to = fetch_imm(m, code, len);
        if (pop(m) == 0)
            m->pc = (size_t)to;
        break;
    }
    case OP_LOAD:
        push(m, m->mem[(uint64_t)fetch_imm(m, code, len) % MEM_MAX]);
        break;
    case OP_STORE: {
        int64_t v = pop(m);
        m->mem[(uint64_t)fetch_imm(m, code, len) % MEM_MAX] = v;
        break;
    }
    case OP_SQRT:
        push(m, (int64_t)inl_sqrt_approx((double)pop(m)));
        break;
    default:
        if (op < OP_COUNT)
            binop(m, (enum op)op);
        else
            vm_fail(m, 6);
        break;
    }
    return !m->error;
}

uint64_t INL_PUBLIC(inl_vm_run)(const uint8_t *code, size_t len, int64_t arg)
{
    vm m;
    unsigned budget = 100000;
    for (unsigned i = 0; i < STACK_MAX; i++)
        m.stack[i] = 0;
    for (unsigned i = 0; i < MEM_MAX; i++)
        m.mem[i] = 0;
    m.sp = 0;
    m.pc = 0;
    m.error = 0;
    m.depth = (inl_stats){ 0, 0, 0, 0, 0 };
    while (budget-- && step(&m, code, len, arg))
        ;
    if (m.error)
        return (uint64_t)m.error << 56;
    return (uint64_t)peek(&m) + (uint64_t)inl_stats_mean(&m.depth);
}
