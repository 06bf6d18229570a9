/*
 * alias_main.c - calls the function of alias_funcs.S, so the program has
 * a reason to exist; it is symbolized, not run, by the tests.
 */
long sym_alias_primary(long a, long b);

int main(int argc, char **argv)
{
    (void)argv;
    return (int)sym_alias_primary(argc, 1);
}
