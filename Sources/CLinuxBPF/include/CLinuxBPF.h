#ifndef CLINUXBPF_H
#define CLINUXBPF_H

// A non-variadic wrapper over the bpf(2) system call, which Swift cannot call through the
// variadic syscall(2). Returns the syscall's result; on failure -1 with errno set.
long swift_ebpf_bpf(int cmd, void *attr, unsigned int size);

#endif
