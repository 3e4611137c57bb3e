import EBPFCore

/// Helpers for packet programs that need no particular context: `bpf_csum_diff`, `bpf_redirect`
/// and `bpf_redirect_map` (recorded, since there is no device to send to).
extension KernelHelpers {
    static let redirectID: Int32 = 23
    static let csumDiffID: Int32 = 28
    static let redirectMapID: Int32 = 51
    /// `BPF_F_BROADCAST` and `BPF_F_EXCLUDE_INGRESS`, devmap-only flags of `bpf_redirect_map`.
    static let redirectBroadcastFlags: UInt64 = 8 | 16

    /// `bpf_csum_diff(from, from_size, to, to_size, seed)`: the one's-complement sum (32-bit,
    /// unfolded) of `seed`, the complement of every 32-bit word of `from` and every word of
    /// `to`, as x86-64's `csum_partial` computes it over the kernel's scratch buffer: 64-bit
    /// little-endian words with end-around carry, then folded to 32 bits. Sizes must be
    /// multiples of 4 and together at most 512 bytes (`-EINVAL`).
    static func csumDiff(_ from: UInt64, _ fromSize: UInt64, _ to: UInt64, _ toSize: UInt64, _ seed: UInt64) -> UInt64 {
        let fromBytes = Int(UInt32(truncatingIfNeeded: fromSize))
        let toBytes = Int(UInt32(truncatingIfNeeded: toSize))
        guard (fromBytes | toBytes) & 3 == 0, fromBytes + toBytes <= 512 else { return einval }
        var words: [UInt32] = []
        words.reserveCapacity((fromBytes + toBytes) / 4)
        if fromBytes > 0 {
            guard RunContext.pointerIsValid(from, size: fromBytes), let source = UnsafeRawPointer(bitPattern: UInt(from)) else {
                return efault
            }
            for index in 0..<(fromBytes / 4) { words.append(~source.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)) }
        }
        if toBytes > 0 {
            guard RunContext.pointerIsValid(to, size: toBytes), let source = UnsafeRawPointer(bitPattern: UInt(to)) else {
                return efault
            }
            for index in 0..<(toBytes / 4) { words.append(source.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)) }
        }
        return UInt64(onesComplementSum(words, seed: UInt32(truncatingIfNeeded: seed)))
    }

    /// `csum_partial` over `words` (in memory order) with `seed`: 64-bit words with end-around
    /// carry, a trailing 32-bit word zero-extended, folded to 32 bits with end-around carry.
    static func onesComplementSum(_ words: [UInt32], seed: UInt32) -> UInt32 {
        func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let (sum, carry) = a.addingReportingOverflow(b)
            return carry ? sum &+ 1 : sum
        }
        var total = UInt64(seed)
        var index = 0
        while index + 1 < words.count {
            total = add(total, UInt64(words[index]) | UInt64(words[index + 1]) << 32)
            index += 2
        }
        if index < words.count { total = add(total, UInt64(words[index])) }
        let (folded, carry) = UInt32(truncatingIfNeeded: total >> 32).addingReportingOverflow(UInt32(truncatingIfNeeded: total))
        return carry ? folded &+ 1 : folded
    }

    /// `bpf_redirect(ifindex, flags)`: records the target in the run's context block and returns
    /// the verdict the kernel's returns: for XDP `XDP_REDIRECT` (4), or `XDP_ABORTED` (0) for
    /// any flag; for tc and socket programs `TC_ACT_REDIRECT` (7), or `TC_ACT_SHOT` (2) for a
    /// flag other than `BPF_F_INGRESS`. Outside a packet run: `XDP_ABORTED`.
    static func redirect(_ interface: UInt64, _ flags: UInt64) -> UInt64 {
        guard let run = RunContext.current, let base = run.pointee.memory.baseAddress else { return 0 }
        let offset: Int
        switch run.pointee.tables.type {
        case .xdp:
            guard flags == 0 else { return 0 }
            offset = XDPContext.redirectOffset
        case .socketFilter, .schedClassifier:
            guard flags & ~1 == 0 else { return 2 }
            offset = SocketBufferContext.redirectOffset
        case .raw:
            return 0
        }
        guard run.pointee.memory.count >= offset + 16 else { return 0 }
        base.storeBytes(of: UInt32(truncatingIfNeeded: interface), toByteOffset: offset, as: UInt32.self)
        base.storeBytes(of: PacketRedirect.kindInterface, toByteOffset: offset + 4, as: UInt32.self)
        base.storeBytes(of: flags, toByteOffset: offset + 8, as: UInt64.self)
        return run.pointee.tables.type == .xdp ? 4 : 7
    }

    /// `bpf_redirect_map(map, key, flags)` as the kernel's `__bpf_xdp_redirect_map`: flags other
    /// than a fallback verdict in the low two bits (and, for devmaps, `BPF_F_BROADCAST` and
    /// `BPF_F_EXCLUDE_INGRESS`) give `XDP_ABORTED`; a key (truncated to 32 bits) whose slot is
    /// empty gives the fallback verdict `flags & 3` and clears the recorded target; otherwise —
    /// or for any key with `BPF_F_BROADCAST` — the slot is recorded and the result is
    /// `XDP_REDIRECT` (4). XDP only: elsewhere, or for a map that is not a ``RedirectMap``,
    /// `XDP_ABORTED`.
    static func redirectMap(_ mapAddress: UInt64, _ key: UInt64, _ flags: UInt64) -> UInt64 {
        guard let run = RunContext.current, run.pointee.tables.type == .xdp, let base = run.pointee.memory.baseAddress,
            run.pointee.memory.count >= XDPContext.redirectOffset + 32,
            let map = RunContext.map(at: mapAddress) as? RedirectMap
        else { return 0 }
        let actions: UInt64 = 3
        let allowed = actions | (map.definition.type == .deviceMap ? redirectBroadcastFlags : 0)
        guard flags & ~allowed == 0 else { return 0 }
        let index = UInt32(truncatingIfNeeded: key)
        let broadcast = flags & 8 != 0
        let offset = XDPContext.redirectOffset
        guard broadcast || map.target(at: index) != nil else {
            base.storeBytes(of: UInt32(0), toByteOffset: offset + 4, as: UInt32.self)
            return flags & actions
        }
        base.storeBytes(of: broadcast ? 0 : map.interface(at: index) ?? 0, toByteOffset: offset, as: UInt32.self)
        base.storeBytes(of: PacketRedirect.kindMap, toByteOffset: offset + 4, as: UInt32.self)
        base.storeBytes(of: broadcast ? flags & redirectBroadcastFlags : 0, toByteOffset: offset + 8, as: UInt64.self)
        base.storeBytes(of: mapAddress, toByteOffset: offset + 16, as: UInt64.self)
        base.storeBytes(of: index, toByteOffset: offset + 24, as: UInt32.self)
        return 4
    }
}
