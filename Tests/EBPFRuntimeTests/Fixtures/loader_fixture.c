/* Test fixture for the ELF loader and the helpers (not an example): tail calls through a program
 * array, an LRU hash map, static globals (relocations against section symbols with an addend),
 * two functions in one section, a .text function called from two programs, and the helpers
 * without side effects on maps. Rebuilt by examples/c/build.sh. */
#include "bpf_helpers.h"

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
    __uint(max_entries, 4);
} jump_table SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __type(key, __u64);
    __type(value, __u64);
    __uint(max_entries, 2);
} recent SEC(".maps");

static __u64 first_static;   /* .bss, referenced through the section symbol */
static __u64 second_static;  /* .bss, at offset 8 */
static volatile __u32 initialised = 0x1234; /* .data */

__noinline int add_three(int value)
{
    return value + 3;
}

SEC("raw")
int dispatch(void *data, unsigned long length)
{
    first_static += 1;
    second_static += 2;
    if (length > 0) {
        __u32 index = ((__u8 *)data)[0];
        bpf_tail_call(data, &jump_table, index);
    }
    /* Reached when the tail call fails (empty slot, index out of range). */
    return add_three(100);
}

SEC("raw")
int handler_one(void *data, unsigned long length)
{
    return add_three(1000) + initialised;
}

SEC("raw")
int handler_two(void *data, unsigned long length)
{
    return 2000;
}

SEC("raw")
int remember(void *data, unsigned long length)
{
    __u64 key = length;
    __u64 value = length * 10;
    bpf_map_update_elem(&recent, &key, &value, BPF_ANY);
    __u64 *found = bpf_map_lookup_elem(&recent, &key);
    if (!found)
        return -1;
    if (length == 0)
        return bpf_map_delete_elem(&recent, &key);
    return *found + add_three(0);
}

SEC("raw")
int environment(void *data, unsigned long length)
{
    __u64 before = bpf_ktime_get_ns();
    __u32 random = bpf_get_prandom_u32();
    __u32 cpu = bpf_get_smp_processor_id();
    __u64 after = bpf_ktime_get_ns();
    (void)random;
    return (after >= before) + (cpu < 4096) * 2;
}



/* A string literal (clang puts it in .rodata.str1.1) and a variable in a custom data section. */
__u32 custom_counter SEC(".data.custom") = 41;

SEC("raw")
int greet(void *data, unsigned long length)
{
    custom_counter++;
    bpf_trace_printk("hello %d from %s\n", sizeof("hello %d from %s\n"), custom_counter, "swift");
    return custom_counter;
}
char _license[] SEC("license") = "Dual MIT/GPL";
