/// Which accesses narrower than a whole field a typed program context allows, as the kernel's
/// `is_valid_access` callbacks decide them (`bpf_ctx_narrow_access_ok`): a load of 1, 2 or 4
/// bytes of a `__u32` field of `struct __sk_buff` reads its low-order bytes at that offset, while
/// every field of `struct xdp_md` is read whole.
public enum ContextNarrowAccess: Sendable, Hashable {
    /// Only the whole field, at its offset (`xdp_md`, the packet pointers of `__sk_buff`).
    case none
    /// Loads of a power-of-two size smaller than the field, aligned to their size (the
    /// `__u32` scalars of `__sk_buff`); stores only whole.
    case reads
    /// Loads and stores of 1, 2, 4 or 8 bytes aligned to their size anywhere within the field
    /// (`__sk_buff.cb[]`, which the kernel treats as a 20-byte array).
    case readsAndWrites

    /// Whether an access of `size` bytes at `offset` bytes into a field of `fieldSize` bytes is
    /// allowed (`offset` and `size` as the program's instruction has them, before rewriting).
    /// The whole field at offset 0 is always allowed; the caller checks writability.
    public func allows(offset: Int64, size: Int, fieldSize: Int, isWrite: Bool) -> Bool {
        guard offset >= 0, offset + Int64(size) <= Int64(fieldSize) else { return false }
        if offset == 0 && size == fieldSize { return true }
        switch self {
        case .none: return false
        case .reads: guard !isWrite else { return false }
        case .readsAndWrites: break
        }
        return [1, 2, 4, 8].contains(size) && offset % Int64(size) == 0
    }
}
