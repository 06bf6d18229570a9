/*
 * opt_plain - a program without libbbx, for libbbx-preload.so: the preload
 * starts the collector (bbx_init(NULL)) before main and prints why when the
 * environment is refused.
 */
int main(void)
{
    return 0;
}
