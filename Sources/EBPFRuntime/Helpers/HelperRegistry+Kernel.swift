import EBPFCore

extension HelperRegistry {
    /// The kernel helpers the runtime implements, with the kernel's ids and signatures:
    ///
    /// | id | helper | notes |
    /// |---|---|---|
    /// | 1 | `bpf_map_lookup_elem(map, key)` | value pointer or NULL |
    /// | 2 | `bpf_map_update_elem(map, key, value, flags)` | 0 or -errno |
    /// | 3 | `bpf_map_delete_elem(map, key)` | 0 or -errno |
    /// | 5 | `bpf_ktime_get_ns()` | CLOCK_MONOTONIC |
    /// | 6 | `bpf_trace_printk(fmt, fmt_size, ...)` | up to 3 arguments; GPL only |
    /// | 7 | `bpf_get_prandom_u32()` | |
    /// | 8 | `bpf_get_smp_processor_id()` | the run's CPU, ``PerCPU/current`` (0 unless set) |
    /// | 12 | `bpf_tail_call(ctx, prog_array, index)` | see ``ProgramLinker`` |
    /// | 23 | `bpf_redirect(ifindex, flags)` | packet programs; recorded, returns the redirect verdict |
    /// | 26 | `bpf_skb_load_bytes(skb, offset, to, len)` | socket filter and tc only; 0 or -EFAULT |
    /// | 28 | `bpf_csum_diff(from, from_size, to, to_size, seed)` | one's-complement sum, or -errno |
    /// | 44 | `bpf_xdp_adjust_head(ctx, delta)` | XDP only; 0 or -errno |
    /// | 51 | `bpf_redirect_map(map, key, flags)` | XDP; devmap, cpumap, xskmap; recorded, `XDP_REDIRECT` or the fallback verdict |
    /// | 54 | `bpf_xdp_adjust_meta(ctx, delta)` | XDP only; 0 or -errno |
    /// | 65 | `bpf_xdp_adjust_tail(ctx, delta)` | XDP only; 0 or -errno |
    /// | 130 | `bpf_ringbuf_output(ringbuf, data, size, flags)` | 0 or -errno |
    /// | 131 | `bpf_ringbuf_reserve(ringbuf, size, flags)` | record pointer or NULL |
    /// | 132 | `bpf_ringbuf_submit(data, flags)` | |
    /// | 133 | `bpf_ringbuf_discard(data, flags)` | |
    /// | 181 | `bpf_loop(nr_loops, callback_fn, callback_ctx, flags)` | run by the engines (``HelperIntrinsic/loop``); iterations run, or -errno |
    ///
    /// The map helpers (1–3) also have a ``HelperFunction/provenBody`` for code the verifier
    /// accepted: it takes the map at R1 as is and the key and value pointers on trust, with no
    /// run context. `bpf_map_lookup_elem` on an array map the JIT can tell at the call site
    /// (``HelperFunction/inlineArrayLookup``) becomes an address computation in the code. Add
    /// your own helpers with ``register(_:)`` on a copy: their ``HelperSignature`` is what the
    /// verifier checks calls against.
    public static let kernel = HelperRegistry([
        HelperFunction(
            id: KernelHelpers.mapLookupElemID, name: "bpf_map_lookup_elem",
            signature: HelperSignature(arguments: [.mapPointer, .mapKey], returns: .mapValueOrNull),
            provenBody: { map, key, _, _, _ in KernelHelpers.mapLookupProven(map, key) },
            inlineArrayLookup: { KernelHelpers.inlineArrayLookup($0) },
            body: { map, key, _, _, _ in KernelHelpers.mapLookup(map, key) }),
        HelperFunction(
            id: KernelHelpers.mapUpdateElemID, name: "bpf_map_update_elem",
            signature: HelperSignature(arguments: [.mapPointer, .mapKey, .mapValue, .scalar], returns: .scalar),
            provenBody: { map, key, value, flags, _ in KernelHelpers.mapUpdateProven(map, key, value, flags) },
            body: { map, key, value, flags, _ in KernelHelpers.mapUpdate(map, key, value, flags) }),
        HelperFunction(
            id: KernelHelpers.mapDeleteElemID, name: "bpf_map_delete_elem",
            signature: HelperSignature(arguments: [.mapPointer, .mapKey], returns: .scalar),
            provenBody: { map, key, _, _, _ in KernelHelpers.mapDeleteProven(map, key) },
            body: { map, key, _, _, _ in KernelHelpers.mapDelete(map, key) }),
        HelperFunction(
            id: KernelHelpers.ktimeGetNsID, name: "bpf_ktime_get_ns",
            signature: HelperSignature(arguments: [], returns: .scalar),
            body: { _, _, _, _, _ in KernelHelpers.ktimeGetNs() }),
        HelperFunction(
            id: KernelHelpers.tracePrintkID, name: "bpf_trace_printk",
            // Like the kernel's prototype, only the format is declared: the up to three values
            // after it are read only if the format uses them.
            signature: HelperSignature(arguments: [.memory, .memorySize], returns: .scalar),
            gplOnly: true,
            body: { format, size, a, b, c in KernelHelpers.tracePrintk(format, size, [a, b, c]) }),
        HelperFunction(
            id: KernelHelpers.getPrandomU32ID, name: "bpf_get_prandom_u32",
            signature: HelperSignature(arguments: [], returns: .scalar),
            body: { _, _, _, _, _ in KernelHelpers.prandomU32() }),
        HelperFunction(
            id: KernelHelpers.getSmpProcessorIDID, name: "bpf_get_smp_processor_id",
            signature: HelperSignature(arguments: [], returns: .scalar),
            body: { _, _, _, _, _ in KernelHelpers.smpProcessorID() }),
        HelperFunction(
            id: KernelHelpers.tailCallID, name: "bpf_tail_call",
            signature: HelperSignature(arguments: [.context, .mapPointer, .scalar], returns: .scalar),
            body: { context, map, index, _, _ in KernelHelpers.tailCall(context, map, index) }),
        HelperFunction(
            id: KernelHelpers.redirectID, name: "bpf_redirect",
            signature: HelperSignature(arguments: [.scalar, .scalar], returns: .scalar),
            body: { interface, flags, _, _, _ in KernelHelpers.redirect(interface, flags) }),
        HelperFunction(
            id: KernelHelpers.redirectMapID, name: "bpf_redirect_map",
            signature: HelperSignature(arguments: [.mapPointer, .scalar, .scalar], returns: .scalar),
            body: { map, key, flags, _, _ in KernelHelpers.redirectMap(map, key, flags) }),
        HelperFunction(
            id: KernelHelpers.csumDiffID, name: "bpf_csum_diff",
            signature: HelperSignature(arguments: [.memory, .memorySize, .memory, .memorySize, .scalar], returns: .scalar),
            body: { from, fromSize, to, toSize, seed in KernelHelpers.csumDiff(from, fromSize, to, toSize, seed) }),
        HelperFunction(
            id: KernelHelpers.skbLoadBytesID, name: "bpf_skb_load_bytes",
            signature: HelperSignature(arguments: [.context, .scalar, .writableMemory, .memorySize], returns: .scalar),
            body: { context, offset, to, length, _ in KernelHelpers.skbLoadBytes(context, offset, to, length) }),
        HelperFunction(
            id: KernelHelpers.xdpAdjustHeadID, name: "bpf_xdp_adjust_head",
            signature: HelperSignature(arguments: [.context, .scalar], returns: .scalar, changesPacketData: true),
            body: { context, delta, _, _, _ in KernelHelpers.xdpAdjustHead(context, delta) }),
        HelperFunction(
            id: KernelHelpers.xdpAdjustMetaID, name: "bpf_xdp_adjust_meta",
            signature: HelperSignature(arguments: [.context, .scalar], returns: .scalar, changesPacketData: true),
            body: { context, delta, _, _, _ in KernelHelpers.xdpAdjustMeta(context, delta) }),
        HelperFunction(
            id: KernelHelpers.xdpAdjustTailID, name: "bpf_xdp_adjust_tail",
            signature: HelperSignature(arguments: [.context, .scalar], returns: .scalar, changesPacketData: true),
            body: { context, delta, _, _, _ in KernelHelpers.xdpAdjustTail(context, delta) }),
        HelperFunction(
            id: KernelHelpers.ringbufOutputID, name: "bpf_ringbuf_output",
            signature: HelperSignature(arguments: [.mapPointer, .memory, .memorySize, .scalar], returns: .scalar),
            body: { map, data, size, flags, _ in KernelHelpers.ringbufOutput(map, data, size, flags) }),
        HelperFunction(
            id: KernelHelpers.ringbufReserveID, name: "bpf_ringbuf_reserve",
            signature: HelperSignature(
                arguments: [.mapPointer, .scalar, .scalar],
                returns: .memoryOrNull(size: RingBufferMap.reservationAccessLimit)),
            body: { map, size, flags, _, _ in KernelHelpers.ringbufReserve(map, size, flags) }),
        HelperFunction(
            id: KernelHelpers.ringbufSubmitID, name: "bpf_ringbuf_submit",
            signature: HelperSignature(arguments: [.anything, .scalar], returns: .void),
            body: { data, _, _, _, _ in KernelHelpers.ringbufCommit(data, discard: false) }),
        HelperFunction(
            id: KernelHelpers.ringbufDiscardID, name: "bpf_ringbuf_discard",
            signature: HelperSignature(arguments: [.anything, .scalar], returns: .void),
            body: { data, _, _, _, _ in KernelHelpers.ringbufCommit(data, discard: true) }),
        HelperFunction(
            id: KernelHelpers.loopID, name: "bpf_loop",
            signature: HelperSignature(arguments: [.scalar, .callback, .callbackContext, .scalar], returns: .scalar),
            intrinsic: .loop,
            // The engines run bpf_loop themselves; nothing calls this body.
            body: { _, _, _, _, _ in HelperIntrinsic.invalidArgumentResult }),
    ])
}

extension KernelHelpers {
    /// The trampoline's helper (see ``ProgramLinker``); added to linked programs' registries only.
    static let tailCallResult = HelperFunction(
        id: tailCallResultID, name: "tail_call_result",
        signature: HelperSignature(arguments: [], returns: .scalar),
        body: { _, _, _, _, _ in KernelHelpers.tailCallResultValue() })
}
