#if canImport(Glibc)
import Glibc
#endif
import EBPFCore

/// The bodies of the kernel helpers the runtime provides, as C-convention functions of R1–R5.
///
/// Every helper that receives a map pointer first checks that it is one of the running program's
/// maps or another live map (``RunContext/map(at:)``, ``LiveMaps``);
/// pointer arguments are checked against the run's memory when a ``RunContext`` is installed.
/// Failures return the kernel's negative errno (or a null pointer where the helper returns one).
enum KernelHelpers {
    static let mapLookupElemID: Int32 = 1
    static let mapUpdateElemID: Int32 = 2
    static let mapDeleteElemID: Int32 = 3
    static let ktimeGetNsID: Int32 = 5
    static let tracePrintkID: Int32 = 6
    static let getPrandomU32ID: Int32 = 7
    static let getSmpProcessorIDID: Int32 = 8
    static let tailCallID: Int32 = 12
    static let ringbufOutputID: Int32 = 130
    static let ringbufReserveID: Int32 = 131
    static let ringbufSubmitID: Int32 = 132
    static let ringbufDiscardID: Int32 = 133
    static let loopID: Int32 = 181
    /// Not a kernel helper: called by the linker's tail-call trampoline to fetch the R0 of the
    /// program that ran (see ``ProgramLinker``). Chosen far above any kernel id.
    static let tailCallResultID: Int32 = 0x7fff_0001

    static let einval = UInt64(bitPattern: -22)
    static let efault = UInt64(bitPattern: -14)
    static let enoent = UInt64(bitPattern: -2)
    static let e2big = UInt64(bitPattern: -7)

    // MARK: Maps

    static func mapLookup(_ mapAddress: UInt64, _ keyAddress: UInt64) -> UInt64 {
        guard let map = RunContext.map(at: mapAddress),
            RunContext.pointerIsValid(keyAddress, size: map.definition.keySize),
            let key = UnsafeRawPointer(bitPattern: UInt(keyAddress)),
            let value = map.lookupFromProgram(key: key)
        else { return 0 }
        return UInt64(UInt(bitPattern: value))
    }

    static func mapUpdate(_ mapAddress: UInt64, _ keyAddress: UInt64, _ valueAddress: UInt64, _ flags: UInt64) -> UInt64 {
        guard let map = RunContext.map(at: mapAddress) else { return einval }
        guard RunContext.pointerIsValid(keyAddress, size: map.definition.keySize),
            RunContext.pointerIsValid(valueAddress, size: map.definition.valueSize),
            let key = UnsafeRawPointer(bitPattern: UInt(keyAddress)),
            let value = UnsafeRawPointer(bitPattern: UInt(valueAddress))
        else { return efault }
        do throws(MapError) {
            try map.updateFromProgram(key: key, value: value, flags: MapUpdateFlags(rawValue: flags))
            return 0
        } catch {
            return error.kernelReturnValue
        }
    }

    static func mapDelete(_ mapAddress: UInt64, _ keyAddress: UInt64) -> UInt64 {
        guard let map = RunContext.map(at: mapAddress) else { return einval }
        guard RunContext.pointerIsValid(keyAddress, size: map.definition.keySize),
            let key = UnsafeRawPointer(bitPattern: UInt(keyAddress))
        else { return efault }
        do throws(MapError) {
            try map.delete(key: key)
            return 0
        } catch {
            return error.kernelReturnValue
        }
    }

    // MARK: Maps, arguments proven

    // The proven bodies (HelperFunction.provenBody) of the map helpers, for code the verifier
    // accepted: R1 is one of the maps the program refers to (the linker put its
    // BPFMap.programAddress there, and the linked program keeps the map alive), and the key and
    // value pointers cover the map's sizes in memory the program may access. So no run context
    // and no registry lookup: the map is the object at R1.

    /// The map at `address`, a live map's ``BPFMap/programAddress``, without retaining it.
    @inline(__always)
    private static func withProvenMap<R>(_ address: UInt64, _ body: (BPFMap) -> R) -> R {
        Unmanaged<BPFMap>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(address))!)._withUnsafeGuaranteedRef(body)
    }

    static func mapLookupProven(_ mapAddress: UInt64, _ keyAddress: UInt64) -> UInt64 {
        let key = UnsafeRawPointer(bitPattern: UInt(keyAddress))!
        return withProvenMap(mapAddress) { map in UInt64(UInt(bitPattern: map.lookupFromProgram(key: key))) }
    }

    /// For the JIT's in-line lookup: the layout of the array map at `address`, or nil when no
    /// live array map is there (the address is looked up, not trusted: this runs at compile time).
    static func inlineArrayLookup(_ address: UInt64) -> InlineArrayLookup? {
        (LiveMaps.map(at: address) as? ArrayMap)?.inlineLookup
    }

    static func mapUpdateProven(_ mapAddress: UInt64, _ keyAddress: UInt64, _ valueAddress: UInt64, _ flags: UInt64) -> UInt64 {
        let key = UnsafeRawPointer(bitPattern: UInt(keyAddress))!
        let value = UnsafeRawPointer(bitPattern: UInt(valueAddress))!
        return withProvenMap(mapAddress) { map in
            do throws(MapError) {
                try map.updateFromProgram(key: key, value: value, flags: MapUpdateFlags(rawValue: flags))
                return 0
            } catch {
                return error.kernelReturnValue
            }
        }
    }

    static func mapDeleteProven(_ mapAddress: UInt64, _ keyAddress: UInt64) -> UInt64 {
        let key = UnsafeRawPointer(bitPattern: UInt(keyAddress))!
        return withProvenMap(mapAddress) { map in
            do throws(MapError) {
                try map.delete(key: key)
                return 0
            } catch {
                return error.kernelReturnValue
            }
        }
    }

    // MARK: Time, randomness, CPU

    static func ktimeGetNs() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    static func prandomU32() -> UInt64 {
        UInt64(UInt32.random(in: .min ... .max))
    }

    /// The CPU the run is on as per-CPU maps see it: ``PerCPU/current`` (0 unless set), not
    /// the thread's real CPU, so a program's `bpf_get_smp_processor_id()` and its per-CPU map
    /// slots agree.
    static func smpProcessorID() -> UInt64 {
        UInt64(UInt32(truncatingIfNeeded: PerCPU.current))
    }

    // MARK: trace_printk

    static func tracePrintk(_ formatAddress: UInt64, _ formatSize: UInt64, _ arguments: [UInt64]) -> UInt64 {
        guard formatSize > 0, formatSize <= 4096,
            RunContext.pointerIsValid(formatAddress, size: Int(formatSize)),
            let format = UnsafeRawPointer(bitPattern: UInt(formatAddress))
        else { return efault }
        let bytes = UnsafeRawBufferPointer(start: format, count: Int(formatSize))
        // The kernel requires the format to be NUL-terminated within its size.
        guard bytes[bytes.count - 1] == 0 else { return einval }
        let end = bytes.firstIndex(of: 0)!
        guard let line = TraceFormatter.format(Array(bytes[..<end]), arguments: arguments) else { return einval }
        if let trace = RunContext.current?.pointee.trace {
            trace.append(line)
        } else {
            var text = line
            if !text.hasSuffix("\n") { text += "\n" }
            var bytes = Array(text.utf8)
            _ = write(2, &bytes, bytes.count)
        }
        return UInt64(line.utf8.count)
    }

    // MARK: Tail calls

    static func tailCall(_ contextAddress: UInt64, _ mapAddress: UInt64, _ index: UInt64) -> UInt64 {
        guard let context = RunContext.current else { return einval }
        guard let programs = RunContext.map(at: mapAddress) as? ProgramArrayMap else { return einval }
        guard index <= UInt64(UInt32.max), let target = programs.target(at: UInt32(index)) else { return enoent }
        guard context.pointee.tailCallCount < RunContext.maxTailCalls else { return e2big }
        context.pointee.tailCallCount += 1
        let result = target.program.runAsTailCall(using: target.runner, in: context)
        context.pointee.tailCallResult = result
        return 0
    }

    static func tailCallResultValue() -> UInt64 {
        RunContext.current?.pointee.tailCallResult ?? 0
    }

    // MARK: Ring buffers

    static let ringbufWakeupFlags: UInt64 = 1 | 2  // BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP

    static func ringbufOutput(_ mapAddress: UInt64, _ dataAddress: UInt64, _ size: UInt64, _ flags: UInt64) -> UInt64 {
        guard let ring = RunContext.map(at: mapAddress) as? RingBufferMap, flags & ~ringbufWakeupFlags == 0 else { return einval }
        guard size <= UInt64(ring.definition.maxEntries) else { return e2big }
        guard size == 0 || RunContext.pointerIsValid(dataAddress, size: Int(size)) else { return efault }
        do throws(MapError) {
            try ring.output(UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: UInt(dataAddress)), count: Int(size)))
            return 0
        } catch {
            return error.kernelReturnValue
        }
    }

    static func ringbufReserve(_ mapAddress: UInt64, _ size: UInt64, _ flags: UInt64) -> UInt64 {
        guard flags == 0, let ring = RunContext.map(at: mapAddress) as? RingBufferMap,
            size <= UInt64(RingBufferMap.reservationAccessLimit),
            let record = ring.reserve(length: Int(size))
        else { return 0 }
        return UInt64(UInt(bitPattern: record))
    }

    static func ringbufCommit(_ dataAddress: UInt64, discard: Bool) -> UInt64 {
        let headerAddress = dataAddress &- UInt64(RingBufferMap.headerSize)
        if let ring = LiveMaps.ringBuffer(containing: headerAddress),
            let record = UnsafeMutableRawPointer(bitPattern: UInt(dataAddress))
        {
            ring.commit(record: record, discard: discard)
        }
        return 0
    }
}
