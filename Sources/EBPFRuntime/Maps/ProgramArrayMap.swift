import EBPFCore
import Synchronization

/// `BPF_MAP_TYPE_PROG_ARRAY`: the programs `bpf_tail_call(ctx, map, index)` can jump to.
///
/// Fill it from Swift with ``set(_:to:)`` (or through ``MapTable/update(_:key:value:flags:)`` with a
/// program handle from ``MapTable/register(_:)``, as with the kernel's `bpf()`). Programs cannot
/// update it. Looking up an index returns the handle of the program there (0 when it was set
/// without a handle).
public final class ProgramArrayMap: BPFMap, @unchecked Sendable {
    private let slots: Mutex<[ProgramArrayEntry?]>

    init(name: String, definition: MapDefinition) throws(MapError) {
        try definition.validate()  // before allocating what it sizes
        slots = Mutex(Array(repeating: nil, count: definition.maxEntries))
        super.init(validatedDefinition: definition, name: name)
    }

    /// Puts `target` at `index` (or empties the slot with `nil`).
    /// - Throws: ``MapError/indexOutOfRange(index:maxEntries:)``.
    public func set(_ index: UInt32, to target: TailCallTarget?, handle: UInt32 = 0) throws(MapError) {
        guard Int(index) < definition.maxEntries else {
            throw .indexOutOfRange(index: index, maxEntries: definition.maxEntries)
        }
        slots.withLock { $0[Int(index)] = target.map { ProgramArrayEntry(handle: handle, target: $0) } }
    }

    /// The program at `index`, if any.
    public func target(at index: UInt32) -> TailCallTarget? {
        guard Int(index) < definition.maxEntries else { return nil }
        return slots.withLock { $0[Int(index)]?.target }
    }

    func setFromTable(index: UInt32, handle: UInt32, target: TailCallTarget, flags: MapUpdateFlags) throws(MapError) {
        let flags = try flags.validated()
        guard Int(index) < definition.maxEntries else {
            throw .indexOutOfRange(index: index, maxEntries: definition.maxEntries)
        }
        try slots.withLock { (slots) throws(MapError) in
            let present = slots[Int(index)] != nil
            if flags == .noExist && present { throw .keyExists }
            if flags == .exist && !present { throw .keyNotFound }
            slots[Int(index)] = ProgramArrayEntry(handle: handle, target: target)
        }
    }

    override func copyValue(key: UnsafeRawPointer, into value: UnsafeMutableRawPointer) throws(MapError) -> Bool {
        let index = Int(key.loadUnaligned(as: UInt32.self))
        guard index < definition.maxEntries, let entry = slots.withLock({ $0[index] }) else { return false }
        value.storeBytes(of: entry.handle, as: UInt32.self)
        return true
    }

    override func delete(key: UnsafeRawPointer) throws(MapError) {
        let index = key.loadUnaligned(as: UInt32.self)
        guard Int(index) < definition.maxEntries else { throw .indexOutOfRange(index: index, maxEntries: definition.maxEntries) }
        try slots.withLock { (slots) throws(MapError) in
            guard slots[Int(index)] != nil else { throw .keyNotFound }
            slots[Int(index)] = nil
        }
    }

    override func nextKey(after key: UnsafeRawPointer?, into next: UnsafeMutableRawPointer) throws(MapError) -> Bool {
        let index = key.map { Int($0.loadUnaligned(as: UInt32.self)) }
        let following = index.map { $0 < definition.maxEntries ? $0 + 1 : 0 } ?? 0
        guard following < definition.maxEntries else { return false }
        next.storeBytes(of: UInt32(following), as: UInt32.self)
        return true
    }
}
