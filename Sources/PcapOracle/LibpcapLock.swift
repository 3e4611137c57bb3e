import Synchronization

/// Serialises calls into the parts of libpcap that keep global or static state (the filter
/// compiler in older releases, `bpf_image`'s static buffer).
let libpcapLock = Mutex(())
