/// A hash-map key as a dictionary key. The first 16 bytes are held inline in two words, so the
/// common keys (integers, addresses, 5-tuples up to 16 bytes) are looked up without allocating;
/// longer keys keep the rest in an array.
struct HashMapKey: Hashable {
    private var head: UInt64 = 0
    private var second: UInt64 = 0
    private var rest: [UInt8] = []

    /// The `count` bytes at `pointer`.
    init(_ pointer: UnsafeRawPointer, count: Int) {
        withUnsafeMutableBytes(of: &head) { $0.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: min(count, 8))) }
        if count > 8 {
            withUnsafeMutableBytes(of: &second) {
                $0.copyMemory(from: UnsafeRawBufferPointer(start: pointer + 8, count: min(count - 8, 8)))
            }
        }
        if count > 16 {
            rest = Array(UnsafeRawBufferPointer(start: pointer + 16, count: count - 16))
        }
    }
}
