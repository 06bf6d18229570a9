/*
 * alias_funcs.S - one function under three names, the way C libraries
 * write their system-call wrappers.  The assembler describes it as three
 * DW_TAG_subprogram entries with the same range, in this order;
 * eu-addr2line names the first.
 */
    .text
    .globl sym_alias_primary
    .type sym_alias_primary, @function
    .globl sym_alias_second
    .type sym_alias_second, @function
    .globl sym_alias_third
    .type sym_alias_third, @function
sym_alias_primary:
sym_alias_second:
sym_alias_third:
    lea (%rdi,%rsi), %rax
    ret
    .size sym_alias_primary, .-sym_alias_primary
    .size sym_alias_second, .-sym_alias_second
    .size sym_alias_third, .-sym_alias_third

    .section .note.GNU-stack,"",@progbits
