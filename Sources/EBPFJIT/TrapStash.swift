import EBPFCore
import Glibc

/// Where a run that traps leaves its trap record for the Swift code that called it: one
/// record per thread. The context block lives in the code's own stack frame, gone once the
/// entry returns, so the trap exit copies the record out first (``stash``) and the caller,
/// seeing the trap flag, takes it (``take()``) before anything else runs on the thread. Only
/// runs that trap come here; a run that returns normally touches none of it.
///
/// A run that traps inside another run on the same thread (a tail-called program) is taken by
/// its own caller before control returns to the outer run, so one slot per thread suffices.
enum TrapStash {
    /// The trap record's four words (kind, pc, value, detail), then the batch cursor.
    static let wordCount = 5

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { storage in free(storage) }
        precondition(status == 0, "pthread_key_create failed: \(status)")
        return key
    }()

    /// This thread's slot, allocated on its first trap.
    private static func slot() -> UnsafeMutablePointer<UInt64> {
        if let storage = pthread_getspecific(key) { return storage.assumingMemoryBound(to: UInt64.self) }
        let storage = malloc(wordCount * 8)!.bindMemory(to: UInt64.self, capacity: wordCount)
        storage.initialize(repeating: 0, count: wordCount)
        pthread_setspecific(key, storage)
        return storage
    }

    /// Called by the trap exit with the context block: copies the trap record and the batch
    /// cursor (meaningful only in a batch entry with its own loop) into this thread's slot.
    static let stash: @convention(c) (UnsafeRawPointer) -> Void = { base in
        let slot = slot()
        let context = JITRunContext(UnsafeMutableRawPointer(mutating: base))
        slot[0] = context[RunContextLayout.trapKind]
        slot[1] = context[RunContextLayout.trapPC]
        slot[2] = context[RunContextLayout.trapValue]
        slot[3] = context[RunContextLayout.trapDetail]
        slot[4] = context[RunContextLayout.batchCursor]
    }

    /// ``stash``'s address, as an immediate for `movabs`.
    static let stashAddress = UInt64(UInt(bitPattern: unsafeBitCast(stash, to: UnsafeRawPointer.self)))

    /// The record the last trap on this thread left, and the batch cursor at that point.
    static func take() -> (record: TrapRecord, batchCursor: UInt64) {
        let slot = slot()
        return (TrapRecord(rawKind: slot[0], pc: slot[1], value: slot[2], detail: slot[3]), slot[4])
    }
}
