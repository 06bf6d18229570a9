/* harm_plugin.c - a small plugin that harm_prog loads and unloads in a loop. */
int harm_plugin_value(int x);
int harm_plugin_value(int x)
{
    return x * 7 + 3;
}
