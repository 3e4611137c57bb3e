#include "CPcap.h"
#include <stddef.h>

// The declarations in CPcap.h must match libpcap's ABI byte for byte; these checks catch a
// mistake at build time (the same sizes and offsets as pcap/bpf.h and pcap/pcap.h give).
_Static_assert(sizeof(struct cpcap_insn) == 8, "struct bpf_insn is 8 bytes");
_Static_assert(offsetof(struct cpcap_insn, k) == 4, "bpf_insn.k at offset 4");
_Static_assert(offsetof(struct cpcap_program, bf_insns) == sizeof(void *), "bpf_program.bf_insns after a padded u_int");
_Static_assert(offsetof(struct cpcap_pkthdr, caplen) == sizeof(struct timeval), "pcap_pkthdr.caplen after the timeval");
