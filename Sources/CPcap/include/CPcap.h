#ifndef CPCAP_H
#define CPCAP_H

// libpcap's types and the signatures of the functions PcapOracle calls, declared here so the
// package builds without libpcap's headers (Debian `libpcap-dev`). Nothing links libpcap: the
// Swift side opens the runtime library with dlopen and looks each function up by name, casting it
// to the matching pointer type below. Layouts follow libpcap's public ABI (pcap/bpf.h,
// pcap/pcap.h), stable since libpcap 1.0. The names carry a `cpcap_` prefix so they cannot
// clash with the kernel's eBPF `struct bpf_insn` (linux/bpf.h) in a file that imports both.

#include <stdint.h>
#include <sys/time.h>

/// `pcap_t`: an open handle, opaque.
typedef struct cpcap_handle cpcap_handle;

/// `struct bpf_insn`: one classic instruction.
struct cpcap_insn {
    uint16_t code;
    uint8_t jt;
    uint8_t jf;
    uint32_t k;
};

/// `struct bpf_program`: a program as `pcap_compile` returns it.
struct cpcap_program {
    unsigned int bf_len;
    struct cpcap_insn *bf_insns;
};

/// `struct pcap_pkthdr`: a packet's timestamp, captured length and wire length.
struct cpcap_pkthdr {
    struct timeval ts;
    uint32_t caplen;
    uint32_t len;
};

// pcap_open_dead(3)
typedef cpcap_handle *(*cpcap_open_dead_fn)(int linktype, int snaplen);
// pcap_close(3)
typedef void (*cpcap_close_fn)(cpcap_handle *handle);
// pcap_compile(3)
typedef int (*cpcap_compile_fn)(cpcap_handle *handle, struct cpcap_program *program, const char *expression,
                                int optimize, uint32_t netmask);
// pcap_freecode(3)
typedef void (*cpcap_freecode_fn)(struct cpcap_program *program);
// pcap_geterr(3)
typedef char *(*cpcap_geterr_fn)(cpcap_handle *handle);
// bpf_filter(3): u_int bpf_filter(const struct bpf_insn *, const u_char *, u_int wirelen, u_int caplen)
typedef unsigned int (*cpcap_bpf_filter_fn)(const struct cpcap_insn *program, const unsigned char *packet,
                                            unsigned int wirelen, unsigned int caplen);
// bpf_validate(3)
typedef int (*cpcap_bpf_validate_fn)(const struct cpcap_insn *program, int count);
// bpf_image: one line of `tcpdump -d`, in a static buffer.
typedef char *(*cpcap_bpf_image_fn)(const struct cpcap_insn *instruction, int index);
// pcap_offline_filter(3)
typedef int (*cpcap_offline_filter_fn)(const struct cpcap_program *program, const struct cpcap_pkthdr *header,
                                       const unsigned char *packet);
// pcap_open_offline_with_tstamp_precision(3); `errbuf` holds PCAP_ERRBUF_SIZE (256) bytes.
typedef cpcap_handle *(*cpcap_open_offline_with_tstamp_precision_fn)(const char *path, unsigned int precision,
                                                                     char *errbuf);
// pcap_next_ex(3)
typedef int (*cpcap_next_ex_fn)(cpcap_handle *handle, struct cpcap_pkthdr **header, const unsigned char **data);
// pcap_datalink(3)
typedef int (*cpcap_datalink_fn)(cpcap_handle *handle);
// pcap_lib_version(3)
typedef const char *(*cpcap_lib_version_fn)(void);

#endif
