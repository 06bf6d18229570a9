/*
 * test_redact.c - Check tests of the redaction rules shared by BBX_REDACT
 * and bbx scrub (snapshot/format/snap_redact.h): the secret filter for command
 * lines, the list parser, the path helpers.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "snap_format.h"
#include "snap_redact.h"
#include "unit_run.h"

/* Arguments written "a|b|c" (each followed by a NUL, as /proc/PID/cmdline)
 * into buf; returns the length. */
static size_t args_of(const char *s, char *buf, int final_nul)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        buf[i] = s[i] == '|' ? '\0' : s[i];
    if (final_nul)
        buf[n++] = '\0';
    return n;
}

/* The filter's output for "a|b|c", written back with '|'. */
static const char *filtered(const char *in, size_t cap, int *changed)
{
    static char out[4096];
    char buf[1024], raw[4096];
    size_t n = args_of(in, buf, 1);
    ck_assert_uint_le(cap, sizeof(raw));
    size_t len = snap_redact_args(buf, n, raw, cap, changed);
    ck_assert_uint_le(len, cap);
    ck_assert(len == 0 || raw[len - 1] == '\0');
    for (size_t i = 0; i + 1 < len; i++)
        out[i] = raw[i] ? raw[i] : '|';
    out[len ? len - 1 : 0] = '\0';
    return out;
}

static void expect(const char *in, const char *want)
{
    int changed = -1;
    const char *got = filtered(in, 4096, &changed);
    ck_assert_msg(strcmp(got, want) == 0, "%s: got %s, want %s", in, got, want);
    ck_assert_int_eq(changed, strcmp(in, want) != 0);
}

START_TEST(secret_values)
{
    expect("prog|--password=hunter2|token=abc", "prog|--password=[redacted]|token=[redacted]");
    expect("prog|--password|hunter2|-v", "prog|--password|[redacted]|-v");
    expect("prog|-pass|pass:xyz", "prog|-pass|[redacted]");
    expect("--db-password=x", "--db-password=[redacted]");
    expect("PGPASSWORD=x y", "PGPASSWORD=[redacted]");
    expect("--passwd=a,b", "--passwd=[redacted]");
    expect("--passphrase=x", "--passphrase=[redacted]");
    expect("--accessToken=x", "--accessToken=[redacted]");
    expect("--github_token=x", "--github_token=[redacted]");
    expect("--apiKey=x", "--apiKey=[redacted]");
    expect("--api-key=x", "--api-key=[redacted]");
    expect("--api_key=x", "--api_key=[redacted]");
    expect("X_API_KEY=x", "X_API_KEY=[redacted]");
    expect("--api-key-file=x", "--api-key-file=[redacted]");
    expect("--access-key=x", "--access-key=[redacted]");
    expect("--private-key=x", "--private-key=[redacted]");
    expect("AWS_SECRET_ACCESS_KEY=x", "AWS_SECRET_ACCESS_KEY=[redacted]");
    expect("--client-secret=x", "--client-secret=[redacted]");
    expect("--auth=u:p", "--auth=[redacted]");
    expect("--basic-auth=u:p", "--basic-auth=[redacted]");
    expect("--cookie=s=1", "--cookie=[redacted]");
    expect("--credentials=x", "--credentials=[redacted]");
    expect("--oauth2-bearer|t0k", "--oauth2-bearer|[redacted]");
    expect("-H|Authorization: Bearer abc", "-H|Authorization: [redacted]");
    expect("X-Api-Key:abc", "X-Api-Key:[redacted]");
    expect("password:abc", "password:[redacted]");
}
END_TEST

START_TEST(secret_inside)
{
    expect("https://bob:pw@example.org/x", "https://bob:[redacted]@example.org/x");
    expect("--url=postgres://u:p@ss@db:5432/x", "--url=postgres://u:[redacted]@db:5432/x");
    expect("https://h/x?a=1&token=t2&b=2", "https://h/x?a=1&token=[redacted]&b=2");
    expect("-o|user=bob,password=p,ro", "-o|user=bob,password=[redacted],ro");
    expect("--conf|spark.auth.secret=s3", "--conf|spark.auth.secret=[redacted]");
}
END_TEST

START_TEST(not_secrets)
{
    const char *keep[] = {
        "--max-tokens=100", "--auth-method=basic", "--key=/etc/k.pem", "--port=22", "-p|22",
        "http://host/x", "https://bob@h/x", "--author=me", "--password=", "token=", "--password",
        "--passport=x", "-u|user", "--verbose|--bypass=1",
    };
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
        expect(keep[i], keep[i]);
}
END_TEST

START_TEST(edges)
{
    char buf[64], out[64];
    int changed;
    /* no final NUL: tolerated, and none added */
    size_t n = args_of("a|token=x", buf, 0);
    size_t len = snap_redact_args(buf, n, out, sizeof(out), &changed);
    ck_assert_uint_eq(len, strlen("a|token=[redacted]"));
    ck_assert(memcmp(out, "a\0token=[redacted]", len) == 0 && changed);
    /* out too small: whole arguments left out, never a piece of a secret */
    const char *cut = filtered("aaaa|--password=xyz|bbbb", 12, &changed);
    ck_assert_str_eq(cut, "aaaa");
    ck_assert_str_eq(filtered("aaaa|--password=xyz", 0, &changed), "");
    ck_assert_uint_eq(snap_redact_args("", 0, out, sizeof(out), NULL), 0);
    /* a value already redacted stays so (scrub after the collector) */
    ck_assert_str_eq(filtered("--password=[redacted]", 4096, &changed), "--password=[redacted]");
}
END_TEST

START_TEST(parse)
{
    unsigned p = 99;
    ck_assert_int_eq(snap_redact_parse("", &p), 0);
    ck_assert_uint_eq(p, SNAP_REDACT_SECRETS);
    ck_assert_int_eq(snap_redact_parse(NULL, &p), 0);
    ck_assert_uint_eq(p, SNAP_REDACT_SECRETS);
    ck_assert_int_eq(snap_redact_parse("paths", &p), 0);
    ck_assert_uint_eq(p, SNAP_REDACT_SECRETS | SNAP_REDACT_PATHS);
    ck_assert_int_eq(snap_redact_parse("PATHS,Peers,,host", &p), 0);
    ck_assert_uint_eq(p, SNAP_REDACT_SECRETS | SNAP_REDACT_PATHS | SNAP_REDACT_PEERS |
                             SNAP_REDACT_HOST);
    ck_assert_int_eq(snap_redact_parse("none", &p), 0);
    ck_assert_uint_eq(p, 0);
    ck_assert_int_eq(snap_redact_parse("-secrets", &p), 0);
    ck_assert_uint_eq(p, 0);
    ck_assert_int_eq(snap_redact_parse("none,registers", &p), 0);
    ck_assert_uint_eq(p, SNAP_REDACT_REGISTERS);
    ck_assert_int_eq(snap_redact_parse("all,-registers", &p), 0);
    ck_assert_uint_eq(p, SNAP_REDACT_ALL & ~SNAP_REDACT_REGISTERS);
    ck_assert_int_eq(snap_redact_parse("cmdline,registers,paths,peers,host,breadcrumbs,"
                                       "annotations,env", &p), 0);
    ck_assert_uint_eq(p, SNAP_REDACT_ALL);
    ck_assert_int_eq(snap_redact_parse("paths,bogus", &p), -1);
    ck_assert_int_eq(snap_redact_parse("-bogus", &p), -1);
    ck_assert_int_eq(snap_redact_parse("-all", &p), -1);
    ck_assert_int_eq(snap_redact_parse("path", &p), -1);
    for (unsigned bit = 1; bit & SNAP_REDACT_ALL; bit <<= 1) {
        const char *name = snap_redact_part_name(bit);
        ck_assert_ptr_nonnull(name);
        ck_assert_int_eq(snap_redact_parse(name, &p), 0);
        ck_assert_uint_eq(p, bit | SNAP_REDACT_SECRETS);
    }
    ck_assert_ptr_null(snap_redact_part_name(3));
    ck_assert_ptr_null(snap_redact_part_name(SNAP_REDACT_ALL + 1));
}
END_TEST

/* Environment variable names whose values are never written (SESSION). */
START_TEST(env_secret)
{
    static const char *const secret[] = {
        "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "PGPASSWORD",
        "MY_API_KEY", "OPENAI_APIKEY", "GPG_KEY", "SSH_PASS", "DB_PW", "GH_AUTH",
        "SESSION_COOKIE", "PRIVATE_PEM", "UPLOAD_SIG", "XDG_ACTIVATION_TOKEN", "clientSecret",
        "npm_config__auth", "DOCKER_CREDS", "key",
    };
    static const char *const plain[] = {
        "DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "DBUS_SESSION_BUS_ADDRESS", "PATH",
        "LD_PRELOAD", "GDK_BACKEND", "KEYBOARD_LAYOUT", "XKB_DEFAULT_KEYMAP", "PASSAGE_DIR",
        "MONKEY", "LIBGL_ALWAYS_SOFTWARE", "HOME", "SSH_TTY", "",
    };
    for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
        ck_assert_msg(snap_redact_env_secret(secret[i], strlen(secret[i])), "%s", secret[i]);
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        ck_assert_msg(!snap_redact_env_secret(plain[i], strlen(plain[i])), "%s", plain[i]);
}
END_TEST

START_TEST(paths)
{
    size_t n;
    const char *p = "/usr/lib/x86_64-linux-gnu/libc.so.6";
    const char *b = snap_redact_basename(p, strlen(p), &n);
    ck_assert(n == 9 && memcmp(b, "libc.so.6", 9) == 0);
    b = snap_redact_basename("app", 3, &n);
    ck_assert(n == 3 && memcmp(b, "app", 3) == 0);
    ck_assert(snap_redact_target_is_path("/home/a/x", 9));
    ck_assert(!snap_redact_target_is_path("socket:[1]", 10));
    ck_assert(!snap_redact_target_is_path("", 0));
    ck_assert(snap_redact_sockaddr_is_name("/run/x.sock", 11));
    ck_assert(snap_redact_sockaddr_is_name("@abstract", 9));
    ck_assert(!snap_redact_sockaddr_is_name("127.0.0.1:80", 12));
    ck_assert(!snap_redact_sockaddr_is_name("[::1]:80", 8));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("redact");
    TCase *tc = tcase_create("secrets");
    tcase_add_test(tc, secret_values);
    tcase_add_test(tc, secret_inside);
    tcase_add_test(tc, not_secrets);
    tcase_add_test(tc, edges);
    suite_add_tcase(s, tc);
    tc = tcase_create("parts");
    tcase_add_test(tc, parse);
    tcase_add_test(tc, env_secret);
    tcase_add_test(tc, paths);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
