#include "CLinuxBPF.h"
#include <sys/syscall.h>
#include <unistd.h>

long swift_ebpf_bpf(int cmd, void *attr, unsigned int size) {
#ifdef __NR_bpf
    return syscall(__NR_bpf, cmd, attr, size);
#else
    (void)cmd; (void)attr; (void)size;
    return -1;
#endif
}
