/*
 * test_wire.c - Check tests of the record encoding primitives
 * (snapshot/format/snap_codec.h) and of the name tables (snap_reader.h).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "snap_format.h"
#include "snap_reader.h"
#include "unit_run.h"
#include "snap_codec.h"

static int get(const char *bytes, size_t n, uint64_t *v, size_t *used)
{
    const uint8_t *p = (const uint8_t *)bytes;
    int rc = snap_varint_get(&p, p + n, v);
    *used = (size_t)(p - (const uint8_t *)bytes);
    return rc;
}

START_TEST(varints)
{
    uint64_t v = 7;
    size_t used;
    ck_assert_int_eq(get("\x00", 1, &v, &used), SNAP_VARINT_OK);
    ck_assert(v == 0 && used == 1);
    ck_assert_int_eq(get("\xac\x02", 2, &v, &used), SNAP_VARINT_OK);
    ck_assert(v == 300 && used == 2);
    /* 2^64-1 takes exactly 10 bytes, the last being 0x01. */
    ck_assert_int_eq(get("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, &v, &used),
                     SNAP_VARINT_OK);
    ck_assert(v == UINT64_MAX && used == 10);
    /* Bits past 64 in the 10th byte, and an 11th byte: overflow. */
    ck_assert_int_eq(get("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10, &v, &used),
                     SNAP_VARINT_OVERFLOW);
    ck_assert_int_eq(used, 0);
    ck_assert_int_eq(get("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11, &v, &used),
                     SNAP_VARINT_OVERFLOW);
    /* Cut short, and empty. */
    ck_assert_int_eq(get("\x80\x80", 2, &v, &used), SNAP_VARINT_SHORT);
    ck_assert_int_eq(used, 0);
    ck_assert_int_eq(get("", 0, &v, &used), SNAP_VARINT_SHORT);
    /* Non-canonical (padded) forms are accepted. */
    ck_assert_int_eq(get("\x81\x00", 2, &v, &used), SNAP_VARINT_OK);
    ck_assert(v == 1 && used == 2);
    ck_assert_uint_eq(snap_varint_count((const uint8_t *)"\x81\x00\x05\x80", 
                                        (const uint8_t *)"\x81\x00\x05\x80" + 4), 2);
}
END_TEST

START_TEST(zigzag)
{
    ck_assert_int_eq(snap_unzigzag(0), 0);
    ck_assert_int_eq(snap_unzigzag(1), -1);
    ck_assert_int_eq(snap_unzigzag(2), 1);
    ck_assert_int_eq(snap_unzigzag(3), -2);
    ck_assert(snap_unzigzag(UINT64_MAX) == INT64_MIN);
    ck_assert(snap_unzigzag(UINT64_MAX - 1) == INT64_MAX);
}
END_TEST

static int next(const char *bytes, size_t n, snap_field *f, size_t *used)
{
    const uint8_t *p = (const uint8_t *)bytes;
    int rc = snap_field_next(&p, p + n, f);
    *used = (size_t)(p - (const uint8_t *)bytes);
    return rc;
}

START_TEST(fields)
{
    snap_field f;
    size_t used;
    ck_assert_int_eq(next("", 0, &f, &used), SNAP_FIELD_END);
    ck_assert_int_eq(next("\x08\x96\x01", 3, &f, &used), SNAP_FIELD_OK);
    ck_assert(f.number == 1 && f.wire == SNAP_WIRE_VARINT && f.value == 150 && used == 3);
    ck_assert_int_eq(next("\x1a\x03" "abcX", 6, &f, &used), SNAP_FIELD_OK);
    ck_assert(f.number == 3 && f.wire == SNAP_WIRE_BYTES && f.len == 3 && used == 5);
    ck_assert(memcmp(f.data, "abc", 3) == 0);
    /* A length past the payload, an unknown wire type, a cut key. */
    ck_assert_int_eq(next("\x1a\x04" "abc", 5, &f, &used), SNAP_FIELD_MALFORMED);
    ck_assert_int_eq(used, 0);
    ck_assert_int_eq(next("\x1a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11, &f, &used),
                     SNAP_FIELD_MALFORMED);
    ck_assert_int_eq(next("\x0d\x00\x00\x00\x00", 5, &f, &used), SNAP_FIELD_MALFORMED);
    ck_assert_int_eq(next("\x08", 1, &f, &used), SNAP_FIELD_MALFORMED);
    /* A field number beyond 32 bits saturates instead of wrapping. */
    ck_assert_int_eq(next("\xf8\xff\xff\xff\xff\xff\xff\xff\xff\x01\x00", 11, &f, &used),
                     SNAP_FIELD_OK);
    ck_assert_uint_eq(f.number, UINT32_MAX);
}
END_TEST

START_TEST(names)
{
    ck_assert_str_eq(snap_signal_name(11), "SIGSEGV");
    ck_assert_str_eq(snap_signal_name(6), "SIGABRT");
    ck_assert_str_eq(snap_signal_name(31), "SIGSYS");
    ck_assert_str_eq(snap_signal_name(34), "SIGRTMIN");
    ck_assert_str_eq(snap_signal_name(61), "SIGRTMAX-3");
    ck_assert_str_eq(snap_signal_name(64), "SIGRTMAX");
    ck_assert_str_eq(snap_signal_name(0), "unknown");
    ck_assert_str_eq(snap_signal_name(65), "unknown");
    ck_assert_str_eq(snap_signal_name(UINT64_MAX), "unknown");

    static const char *const kinds[] = { "other", "file", "dir", "pipe", "fifo",
        "socket", "eventfd", "timerfd", "signalfd", "epoll", "inotify", "memfd", "device" };
    ck_assert_uint_eq(sizeof(kinds) / sizeof(kinds[0]), SNAP_FD_KIND_COUNT);
    for (unsigned i = 0; i < SNAP_FD_KIND_COUNT; i++)
        ck_assert_str_eq(snap_fd_kind_name(i), kinds[i]);
    ck_assert_str_eq(snap_fd_kind_name(SNAP_FD_KIND_COUNT), "unknown");

    ck_assert_str_eq(snap_thread_status_name(SNAP_THREAD_UNWOUND), "unwound");
    ck_assert_str_eq(snap_thread_status_name(SNAP_THREAD_BLOCKED), "blocked");
    ck_assert_str_eq(snap_thread_status_name(SNAP_THREAD_TIMEOUT), "timeout");
    ck_assert_str_eq(snap_thread_status_name(SNAP_THREAD_SKIPPED), "skipped");
    ck_assert_str_eq(snap_thread_status_name(4), "unknown");
    ck_assert_str_eq(snap_trigger_kind_name(SNAP_TRIGGER_CRASH), "crash");
    ck_assert_str_eq(snap_trigger_kind_name(SNAP_TRIGGER_REQUEST), "request");
    ck_assert_str_eq(snap_trigger_kind_name(0), "unknown");

    ck_assert_str_eq(snap_si_code_name(11, 1), "SEGV_MAPERR");
    ck_assert_str_eq(snap_si_code_name(11, 2), "SEGV_ACCERR");
    ck_assert_str_eq(snap_si_code_name(7, 2), "BUS_ADRERR");
    ck_assert_str_eq(snap_si_code_name(8, 1), "FPE_INTDIV");
    ck_assert_str_eq(snap_si_code_name(4, 2), "ILL_ILLOPN");
    ck_assert_str_eq(snap_si_code_name(5, 1), "TRAP_BRKPT");
    ck_assert_str_eq(snap_si_code_name(6, 0), "SI_USER");
    ck_assert_str_eq(snap_si_code_name(6, -6), "SI_TKILL");
    ck_assert_str_eq(snap_si_code_name(11, 0x80), "SI_KERNEL");
    ck_assert_ptr_null(snap_si_code_name(11, 99));
    ck_assert_ptr_null(snap_si_code_name(15, 3));
    ck_assert_ptr_null(snap_si_code_name(11, INT64_MIN));

    ck_assert_str_eq(snap_sock_family_name(2), "AF_INET");
    ck_assert_str_eq(snap_sock_family_name(10), "AF_INET6");
    ck_assert_str_eq(snap_sock_family_name(1), "AF_UNIX");
    ck_assert_ptr_null(snap_sock_family_name(12345));
    ck_assert_str_eq(snap_sock_type_name(1), "SOCK_STREAM");
    ck_assert_str_eq(snap_sock_type_name(5), "SOCK_SEQPACKET");
    ck_assert_ptr_null(snap_sock_type_name(7));
    ck_assert_str_eq(snap_rlimit_name(7), "NOFILE");
    ck_assert_ptr_null(snap_rlimit_name(16));

    const char *const *regs;
    ck_assert_uint_eq(snap_reg_names("x86_64", &regs), SNAP_X86_64_REG_COUNT);
    ck_assert_str_eq(regs[0], "rip");
    ck_assert_str_eq(regs[SNAP_X86_64_REG_COUNT - 1], "eflags");
    ck_assert_uint_eq(snap_reg_names("riscv64", &regs), 0);
    ck_assert_ptr_null(regs);
    ck_assert_uint_eq(snap_reg_names(NULL, &regs), 0);
}
END_TEST

static const char *flags(const char *arch, uint64_t v, int cloexec)
{
    static char buf[256];
    size_t n = snap_open_flags_format(arch, v, cloexec, buf, sizeof(buf));
    ck_assert_uint_eq(n, strlen(buf));
    return buf;
}

START_TEST(open_flags)
{
    ck_assert_str_eq(flags("x86_64", 0, 0), "O_RDONLY");
    ck_assert_str_eq(flags("x86_64", 0x802, 1), "O_RDWR|O_NONBLOCK|O_CLOEXEC");
    ck_assert_str_eq(flags("x86_64", 0x8001, 0), "O_WRONLY|O_LARGEFILE");
    ck_assert_str_eq(flags("x86_64", 0x101001, 0), "O_WRONLY|O_SYNC");
    ck_assert_str_eq(flags("x86_64", 0x410002, 0), "O_RDWR|O_TMPFILE");
    ck_assert_str_eq(flags("x86_64", 0x10000, 0), "O_RDONLY|O_DIRECTORY");
    ck_assert_str_eq(flags("aarch64", 0x4000, 0), "O_RDONLY|O_DIRECTORY");
    ck_assert_str_eq(flags("aarch64", 0x20002, 0), "O_RDWR|O_LARGEFILE");
    ck_assert_str_eq(flags(NULL, 3 | 0x1000000, 0), "O_ACCMODE|0x1000000");

    /* Short buffers: cut, terminated, and the needed length returned. */
    char small[8];
    size_t n = snap_open_flags_format("x86_64", 0x802, 0, small, sizeof(small));
    ck_assert_uint_eq(n, strlen("O_RDWR|O_NONBLOCK"));
    ck_assert_str_eq(small, "O_RDWR|");
    ck_assert_uint_eq(snap_open_flags_format("x86_64", 0x802, 0, NULL, 0), n);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("wire");
    TCase *tc = tcase_create("encoding");
    tcase_add_test(tc, varints);
    tcase_add_test(tc, zigzag);
    tcase_add_test(tc, fields);
    suite_add_tcase(s, tc);
    tc = tcase_create("names");
    tcase_add_test(tc, names);
    tcase_add_test(tc, open_flags);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
